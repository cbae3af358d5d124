// End-to-end runs of `ae report` and `ae plot` on tiny models trained by the binary itself:
// exit codes, valid PNG/SVG files, a self-contained HTML page with every section, and (when
// Debian's chromium is installed) scripts/check-report on that page.
#include <cairo.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;
using test::read_text;

// Runs a shell command with stderr discarded; returns the exit code.
int run_status(const std::string& command) {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int ae_run(const std::string& args) { return run_status(std::string(AE_BINARY) + " " + args); }


// Size of a PNG file as cairo decodes it; {0, 0} when it does not decode.
std::pair<int, int> png_size(const fs::path& p) {
  cairo_surface_t* s = cairo_image_surface_create_from_png(p.c_str());
  std::pair<int, int> size{0, 0};
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    size = {cairo_image_surface_get_width(s), cairo_image_surface_get_height(s)};
  }
  cairo_surface_destroy(s);
  return size;
}

bool valid_svg(const fs::path& p) {
  const std::string text = read_text(p);
  return text.find("<svg") != std::string::npos && text.find("</svg>") != std::string::npos;
}

class ReportPlotCli : public test::TempDirTest {
 protected:

  // 244 x 8 rows near a 2-D surface (the first 240) plus 4 rows off it; labels.csv marks
  // the last four with 1.
  void write_table() const {
    std::ofstream out(path("table.csv")), labels(path("labels.csv"));
    out << "a,b,c,d,e,f,g,h\n";
    labels << "outlier\n";
    for (int i = 0; i < 244; ++i) {
      const double u = (i % 20) / 20.0, v = (i / 20 % 12) / 12.0;
      if (i < 240) {
        out << u << ',' << v << ',' << (u + v) / 2 << ',' << u - v << ',' << 0.5 * u << ',' << std::sin(u) << ','
            << std::cos(v) << ',' << u * v << '\n';
      } else {
        out << 1 - u << ",0.9,-0.5,1.2," << v << ",-1,0.1,0.8\n";
      }
      labels << (i >= 240 ? 1 : 0) << '\n';
    }
  }
  // 120 images of 8 x 8 bytes (IDX3): a bright square at one of a few places.
  void write_images() const {
    std::ofstream out(path("images.idx"), std::ios::binary);
    const unsigned char header[] = {0, 0, 8, 3, 0, 0, 0, 120, 0, 0, 0, 8, 0, 0, 0, 8};
    out.write(reinterpret_cast<const char*>(header), sizeof header);
    for (int n = 0; n < 120; ++n) {
      const int r0 = n % 4, c0 = n / 4 % 4;
      for (int r = 0; r < 8; ++r) {
        for (int c = 0; c < 8; ++c) {
          const bool on = r >= r0 && r < r0 + 4 && c >= c0 && c < c0 + 4;
          out.put(static_cast<char>(on ? 230 : 10));
        }
      }
    }
  }
  // Trains a model on `data` with the given spec; writes NAME.safetensors and NAME_history.csv.
  void train(const std::string& data, const std::string& layers, const std::string& name, int epochs = 5) const {
    ASSERT_EQ(ae_run("train --data " + data + " --layers " + layers + " --epochs " + std::to_string(epochs) +
                     " --batch 16 --seed 1 --quiet --history " + path(name + "_history.csv") + " --out " +
                     path(name + ".safetensors")),
              0);
  }

};

// The checks of scripts/check-report that need no browser, on the HTML text.
void expect_self_contained_report(const std::string& html) {
  for (const char* id : {"summary", "training", "history", "scores", "metrics", "outliers", "inliers", "latent", "features"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << "section " << id;
  }
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  const std::regex img("<img\\s+src=\"([^\"]{0,20})");
  int images = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), img); it != std::sregex_iterator(); ++it, ++images) {
    EXPECT_EQ((*it)[1].str().rfind("data:image/", 0), 0u) << (*it)[1].str();
  }
  EXPECT_GE(images, 5);
  EXPECT_EQ(html.find("alt=\"\""), std::string::npos);
}

TEST_F(ReportPlotCli, ReportWithLabelsHistoryAndValidationIsSelfContained) {
  write_table();
  train(path("table.csv"), "6:tanh,2:linear,6:tanh,8:linear", "model");
  ASSERT_EQ(ae_run("report " + path("model.safetensors") + " --data " + path("table.csv") + " --labels " +
                   path("labels.csv") + " --val " + path("table.csv") + " --history " + path("model_history.csv") +
                   " --out " + path("report.html")),
            0);
  const std::string html = read_text(path("report.html"));
  expect_self_contained_report(html);
  EXPECT_NE(html.find("ROC-AUC"), std::string::npos);
  EXPECT_NE(html.find("PCA, 2 components"), std::string::npos);

  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed; skipped scripts/check-report";
  EXPECT_EQ(run_status(std::string(AE_SOURCE_DIR) + "/scripts/check-report " + path("report.html")), 0);
}

TEST_F(ReportPlotCli, ReportOfImagesWithoutLabelsOrHistoryHasEverySection) {
  write_images();
  train(path("images.idx"), "16:relu,3:sigmoid,16:relu,64:sigmoid", "images");
  ASSERT_EQ(ae_run("report " + path("images.safetensors") + " --data " + path("images.idx") + " --score sse --threshold sigma=3 --out " +
                   path("images.html")),
            0);
  const std::string html = read_text(path("images.html"));
  expect_self_contained_report(html);
  EXPECT_NE(html.find("No labels given"), std::string::npos);
  EXPECT_NE(html.find("No history given"), std::string::npos);

  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed; skipped scripts/check-report";
  EXPECT_EQ(run_status(std::string(AE_SOURCE_DIR) + "/scripts/check-report " + path("images.html")), 0);
}

TEST_F(ReportPlotCli, ReportOnDegenerateInputsStillWritesThePage) {
  {
    std::ofstream out(path("same.csv"));
    for (int i = 0; i < 40; ++i) out << "0.5,0.25,1,0\n";
  }
  train(path("same.csv"), "3:tanh,1:linear,3:tanh,4:linear", "same", 1);
  EXPECT_EQ(ae_run("report " + path("same.safetensors") + " --data " + path("same.csv") + " --history " + path("same.csv") +
                   " --out " + path("same.html")),
            65);  // not a history CSV
  EXPECT_EQ(ae_run("report " + path("same.safetensors") + " --data " + path("same.csv") + " --history " + path("none.csv") +
                   " --out " + path("same.html")),
            66);
  ASSERT_EQ(ae_run("report " + path("same.safetensors") + " --data " + path("same.csv") + " --out " + path("same.html")), 0);
  expect_self_contained_report(read_text(path("same.html")));
}

TEST_F(ReportPlotCli, ReportBadFlagsAndFilesExitWithDesignCodes) {
  write_table();
  train(path("table.csv"), "6:tanh,2:linear,6:tanh,8:linear", "model", 1);
  const std::string model = path("model.safetensors"), data = " --data " + path("table.csv");
  EXPECT_EQ(ae_run("report " + model), 2);                                                       // --data missing
  EXPECT_EQ(ae_run("report " + model + data + " --threshold pct=3 --out " + path("r.html")), 2);  // bad threshold
  EXPECT_EQ(ae_run("report " + model + data + " --score rmse --out " + path("r.html")), 2);       // bad score
  EXPECT_EQ(ae_run("report " + model + data + " --outlier-class 1 --out " + path("r.html")), 2);  // class without labels
  EXPECT_EQ(ae_run("report " + path("nope.safetensors") + data + " --out " + path("r.html")), 66);
  EXPECT_EQ(ae_run("report " + path("table.csv") + data + " --out " + path("r.html")), 65);       // not a model
  EXPECT_EQ(ae_run("report " + model + data + " --out " + path("no/such/dir/r.html")), 73);
  EXPECT_FALSE(fs::exists(path("r.html")));
}

TEST_F(ReportPlotCli, PlotEveryKindWritesValidPngAndSvg) {
  write_table();
  train(path("table.csv"), "6:tanh,3:linear,6:tanh,8:linear", "model");
  const std::string model = path("model.safetensors"), data = " --data " + path("table.csv");
  for (const char* ext : {"png", "svg"}) {
    const std::string e = ext;
    ASSERT_EQ(ae_run("plot history --history " + path("model_history.csv") + " --log --out " + path("history." + e)), 0);
    ASSERT_EQ(ae_run("plot scores " + model + data + " --labels " + path("labels.csv") + " --threshold quantile=0.9 --out " +
                     path("scores." + e)),
              0);
    // dual (the default) is standardised and negative below its training median: log with zsae.
    ASSERT_EQ(ae_run("plot scores " + model + data + " --score zsae --log --log-score --out " + path("log-scores." + e)), 0);
    ASSERT_EQ(ae_run("plot latent " + model + data + " --labels " + path("labels.csv") + " --out " + path("latent." + e)), 0);
    ASSERT_EQ(ae_run("plot feature-error " + model + data + " --out " + path("features." + e)), 0);
  }
  for (const char* name : {"history", "scores", "log-scores", "latent", "features"}) {
    EXPECT_EQ(png_size(path(std::string(name) + ".png")), std::make_pair(800, 500)) << name;
    EXPECT_TRUE(valid_svg(path(std::string(name) + ".svg"))) << name;
  }
}

TEST_F(ReportPlotCli, PlotDegenerateInputsStillExitZero) {
  // One epoch of history; a K = 1 model; data whose rows are all equal (all scores equal).
  write_table();
  train(path("table.csv"), "4:tanh,1:linear,4:tanh,8:linear", "k1", 1);
  {
    std::ofstream out(path("same.csv"));
    for (int i = 0; i < 30; ++i) out << "0.5,0.25,1,0\n";
  }
  train(path("same.csv"), "3:tanh,2:linear,3:tanh,4:linear", "same", 2);
  write_images();
  train(path("images.idx"), "16:relu,4:sigmoid,16:relu,64:sigmoid", "images", 2);
  EXPECT_EQ(ae_run("plot history --history " + path("k1_history.csv") + " --out " + path("h.png")), 0);
  EXPECT_EQ(ae_run("plot latent " + path("k1.safetensors") + " --data " + path("table.csv") + " --out " + path("k1.png")), 0);
  EXPECT_EQ(ae_run("plot latent " + path("k1.safetensors") + " --data " + path("table.csv") + " --color score --out " + path("k1.svg")), 0);
  EXPECT_EQ(ae_run("plot scores " + path("same.safetensors") + " --data " + path("same.csv") + " --log --out " + path("same.png")), 0);
  EXPECT_EQ(ae_run("plot latent " + path("same.safetensors") + " --data " + path("same.csv") + " --out " + path("same-latent.png")), 0);
  EXPECT_EQ(ae_run("plot feature-error " + path("images.safetensors") + " --data " + path("images.idx") + " --out " + path("img.png")), 0);
  for (const char* name : {"h.png", "k1.png", "same.png", "same-latent.png", "img.png"}) {
    EXPECT_EQ(png_size(path(name)), std::make_pair(800, 500)) << name;
  }
  EXPECT_TRUE(valid_svg(path("k1.svg")));
}

TEST_F(ReportPlotCli, PlotBadFlagsExitWithUsageError) {
  write_table();
  train(path("table.csv"), "6:tanh,2:linear,6:tanh,8:linear", "model", 1);
  const std::string model = path("model.safetensors"), data = " --data " + path("table.csv");
  EXPECT_EQ(ae_run("plot"), 2);                                                     // no kind
  EXPECT_EQ(ae_run("plot wobble --out " + path("x.png")), 2);                       // unknown kind
  EXPECT_EQ(ae_run("plot history --history " + path("model_history.csv")), 2);               // --out missing
  EXPECT_EQ(ae_run("plot history --history " + path("model_history.csv") + " --out " + path("x.jpg")), 2);
  EXPECT_EQ(ae_run("plot scores " + model + data + " --score rmse --out " + path("x.png")), 2);
  EXPECT_EQ(ae_run("plot scores " + model + data + " --threshold 3 --out " + path("x.png")), 2);
  EXPECT_EQ(ae_run("plot latent " + model + data + " --color label --out " + path("x.png")), 2);  // no labels
  EXPECT_EQ(ae_run("plot latent " + model + data + " --color hue --out " + path("x.png")), 2);
  EXPECT_EQ(ae_run("plot feature-error " + model + " --out " + path("x.png")), 2);  // --data missing
  EXPECT_EQ(ae_run("plot history --history " + path("none.csv") + " --out " + path("x.png")), 66);
  EXPECT_EQ(ae_run("plot history --history " + path("labels.csv") + " --out " + path("x.png")), 65);
  EXPECT_EQ(ae_run("plot history --history " + path("model_history.csv") + " --out " + path("no/dir/x.png")), 73);
  EXPECT_FALSE(fs::exists(path("x.png")));
}

}  // namespace
}  // namespace ae
