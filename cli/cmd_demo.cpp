// ae demo: the reference experiments. `mnist` (default): MNIST + one injected Fashion-MNIST
// image, the seed's 784-128-32-8-32-128-784 model, the injected image's rank by SSE, model,
// history and pictures. `spiral`: a 1-D curve in 3-D, autoencoder vs the best linear (PCA)
// projection.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numbers>
#include <numeric>

#include <sys/resource.h>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/atomic_file.hpp"
#include "ae/pca.hpp"
#include "ae/plot.hpp"
#include "ae/random.hpp"
#include "ae/score.hpp"
#include "common.hpp"
#include "mpi_session.hpp"

namespace ae::cli {
namespace {

constexpr const char* kSeedSpec = "128:relu,32:relu,8:sigmoid,32:relu,128:relu,784:sigmoid";

struct DemoFlags {
  std::string which = "mnist";
  std::size_t inject = 1;
  bool inject_random = false;
  std::string data_dir = "data";
  std::string out = "out";
  TrainFlags train;
};

double mse_of(ConstMatrixView a, ConstMatrixView b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a.data[i]) - b.data[i];
    s += d * d;
  }
  return s / static_cast<double>(a.size());
}

int run_spiral(DemoFlags& f) {
  // Points on a conical helix (a 1-D manifold in 3-D), t in [0, 3 pi], plus a little noise.
  Rng rng(f.train.seed);
  const std::size_t n = 2000;
  Dataset data;
  data.rows = n;
  data.cols = 3;
  data.source = "spiral";
  data.values.resize(n * 3);
  std::vector<double> ts(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = ts[i] = rng.uniform(0.0, 3.0 * std::numbers::pi);
    const double r = 0.3 + 0.2 * t;
    data.values[i * 3 + 0] = static_cast<float>(r * std::cos(t) + 0.02 * rng.normal());
    data.values[i * 3 + 1] = static_cast<float>(r * std::sin(t) + 0.02 * rng.normal());
    data.values[i * 3 + 2] = static_cast<float>(0.3 * t - 1.4 + 0.02 * rng.normal());
  }
  TrainConfig config = make_train_config(f.train);
  config.ranks = training_ranks();  // under mpirun: each rank trains its share, rank 0 goes on
  Autoencoder model(make_architecture(3, parse_layers("32:tanh,16:tanh,1:linear,16:tanh,32:tanh,3:linear")));
  model.initialize(parse_init(f.train.init), rng);
  std::fputs(summary(model.architecture()).c_str(), stdout);
  Trainer trainer(model, config, rng);
  const History history = trainer.fit(data, nullptr, progress_printer(f.train.quiet));
  if (!this_rank_writes()) return 0;
  if (!f.train.history.empty()) write_history_csv(f.train.history, history);
  const Matrix x = data.to_matrix();
  const Matrix ae_rows = reconstruct_all(model, data, trainer.local_threads());
  const Matrix pca_rows = pca_reconstruct(fit_pca(x.view(), 1), x.view());
  const double ae_mse = mse_of(ae_rows.view(), x.view());
  const double pca_mse = mse_of(pca_rows.view(), x.view());
  std::printf("spiral: %zu points on a 1-D curve in 3-D, 1-unit bottleneck (seed %llu, %zu threads)\n", n,
              static_cast<unsigned long long>(f.train.seed), trainer.config().threads);
  std::printf("autoencoder reconstruction MSE  %.6f\n", ae_mse);
  std::printf("PCA (1 component) MSE           %.6f\n", pca_mse);
  std::printf("PCA / autoencoder               %.1fx\n", pca_mse / ae_mse);

  // Seen from above (x, y), points in the order of their position t along the curve.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&ts](std::size_t a, std::size_t b) { return ts[a] < ts[b]; });
  const auto top_view = [&order](const std::string& name, const Matrix& m) {
    LineSeries s{name, {}, {}};
    for (std::size_t i : order) {
      s.x.push_back(m(i, 0));
      s.y.push_back(m(i, 1));
    }
    return s;
  };
  std::filesystem::create_directories(f.out);
  const std::string picture = f.out + "/spiral.png";
  write_file_atomic(picture, plot_lines("Spiral seen from above: data, autoencoder (1 unit) and PCA (1 component)", "x", "y",
                                        {top_view("data (noisy)", x), top_view("autoencoder", ae_rows),
                                         top_view("PCA", pca_rows)},
                                        false, ImageFormat::png));
  if (!f.train.quiet) std::printf("wrote %s\n", picture.c_str());
  return 0;
}

std::string need(const std::string& dir, const std::string& name) {
  for (const std::string& candidate : {dir + "/" + name, dir + "/" + name + ".gz"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw Error(ErrorKind::missing_input, dir + "/" + name + ": not found; run scripts/fetch-data to get MNIST and Fashion-MNIST");
}

int run_mnist(DemoFlags& f) {
  const std::string mnist = f.data_dir + "/mnist", fashion = f.data_dir + "/fashion-mnist";
  TrainConfig config = make_train_config(f.train);
  config.ranks = training_ranks();  // under mpirun: each rank trains its share, rank 0 goes on
  Rng rng(f.train.seed);
  // Only the chosen Fashion images are kept, so one copy of the training images is alive.
  Dataset extra;
  {
    const Dataset fashion_images = load_data(need(fashion, "train-images-idx3-ubyte"));
    if (fashion_images.cols != 784) throw Error(ErrorKind::bad_data, fashion_images.source + ": expected 28 x 28 images");
    if (f.inject == 0 || f.inject > fashion_images.rows) {
      throw Error(ErrorKind::usage, "--inject must be 1 to " + std::to_string(fashion_images.rows));
    }
    // Fashion images 0..N-1 (image 0 alone is the seed's fashion_x_train[:1]), or N drawn
    // at random with --inject-random.
    std::vector<std::size_t> chosen(f.inject);
    std::iota(chosen.begin(), chosen.end(), 0);
    if (f.inject_random) {
      std::vector<std::size_t> all(fashion_images.rows);
      std::iota(all.begin(), all.end(), 0);
      rng.shuffle(all);
      chosen.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(f.inject));
    }
    extra = select(fashion_images, chosen);
  }
  const Dataset test_digits = load_data(need(mnist, "t10k-images-idx3-ubyte"));
  std::vector<std::size_t> positions;
  Dataset train = [&] {
    // Room for the injected rows is reserved as the file is read, so they go in without a
    // second copy of the 47 MB of digits.
    Dataset train_digits = load_data(need(mnist, "train-images-idx3-ubyte"), extra.rows * extra.cols);
    if (train_digits.cols != 784 || test_digits.cols != 784) {
      throw Error(ErrorKind::bad_data, f.data_dir + ": expected 28 x 28 images");
    }
    return inject(std::move(train_digits), extra, rng, positions);
  }();
  train.source = "MNIST train + " + std::to_string(f.inject) + " Fashion-MNIST";
  std::printf("data: %zu MNIST training digits + %zu Fashion-MNIST image%s (first at row %zu); validation: %zu MNIST test digits\n",
              train.rows - f.inject, f.inject, f.inject > 1 ? "s" : "", positions.at(0), test_digits.rows);

  Autoencoder model(make_architecture(784, parse_layers(kSeedSpec)));
  model.initialize(parse_init(f.train.init), rng);
  std::fputs(summary(model.architecture()).c_str(), stdout);
  std::fflush(stdout);
  Trainer trainer(model, config, rng);
  const History history = trainer.fit(train, &test_digits, progress_printer(f.train.quiet));
  if (!this_rank_writes()) return 0;
  const EpochRecord& last = history.epochs.back();
  std::printf("final loss %.6f, val_loss %.6f (MSE per pixel, after %zu epochs)\n", last.loss,
              last.val_loss, history.epochs.size());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);  // ru_maxrss: peak resident set so far, in KiB on Linux
  std::printf("peak resident memory up to the end of training: %.1f MB\n",
              static_cast<double>(usage.ru_maxrss) * 1024.0 / 1e6);

  // Scores of every training row: plain SSE (the seed's measure) and the standardised zsae
  // (the default) and zsse.
  const std::size_t threads = trainer.local_threads();
  const ScoreCalibration cal = calibrate(model, train, {}, threads);
  const auto sse = compute_scores(model, train, ScoreKind::sse, cal, nullptr, threads);
  const auto zsae = compute_scores(model, train, ScoreKind::zsae, cal, nullptr, threads);
  const auto zsse = compute_scores(model, train, ScoreKind::zsse, cal, nullptr, threads);
  const Ranking by_sse = rank_scores(sse), by_zsae = rank_scores(zsae), by_zsse = rank_scores(zsse);
  std::vector<std::uint8_t> truth(train.rows, 0);
  for (std::size_t p : positions) truth[p] = 1;
  if (f.inject == 1) {
    const std::size_t injected = positions[0];
    std::printf("injected image rank by SSE: %zu of %zu (SSE %.2f; median %.2f, worst %.2f)\n",
                by_sse.rank[injected], train.rows, static_cast<double>(sse[injected]),
                cal.train_stats.at(ScoreKind::sse).median, static_cast<double>(sse[by_sse.order[0]]));
    std::printf("injected image rank by zsae: %zu of %zu\n", by_zsae.rank[injected], train.rows);
    std::printf("injected image rank by zsse: %zu of %zu\n", by_zsse.rank[injected], train.rows);
  } else {
    std::printf("%zu injected images among %zu rows:\n", f.inject, train.rows);
    for (ScoreKind kind : kScoreKinds) {
      if (cal.train_stats.count(kind) == 0) continue;
      const auto scores = kind == ScoreKind::sse    ? sse
                          : kind == ScoreKind::zsae ? zsae
                          : kind == ScoreKind::zsse ? zsse
                                                    : compute_scores(model, train, kind, cal, nullptr, threads);
      std::printf("%s\n", metrics_line(std::string(score_name(kind)), evaluate(scores, truth)).c_str());
    }
  }
  const auto& order = by_sse.order;

  std::filesystem::create_directories(f.out);
  ModelInfo info = model_info_for(train, fit_normalization(train, Scaling::automatic));
  info.training = training_record(model.architecture(), f.train, trainer.config(), train, history, &test_digits,
                                  trainer.diagnosis() ? &*trainer.diagnosis() : nullptr);
  info.score = cal.to_json();
  save_model(f.out + "/model.safetensors", model, info);
  write_history_csv(f.out + "/history.csv", history);
  draw_samples(model, info, test_digits, {{21, "test image 21", false}},
               "MNIST test image 21: original / 8-value embedding / reconstruction", f.out + "/test21.png");
  std::vector<ShownSample> worst;
  for (std::size_t i = 0; i < 8 && i < order.size(); ++i) {
    char label[96];
    const bool injected = truth[order[i]] != 0;
    std::snprintf(label, sizeof label, "rank %zu: row %zu, SSE %.1f%s", i + 1, order[i],
                  static_cast<double>(sse[order[i]]), injected ? " (injected)" : "");
    worst.push_back({order[i], label, injected});
  }
  draw_samples(model, info, train, worst, "The 8 worst reconstructed training rows (injected Fashion-MNIST image framed)",
               f.out + "/worst.png");
  Model saved{std::move(model), info};
  ReportJob report;
  report.model = &saved;
  report.model_name = f.out + "/model.safetensors";
  report.data = &train;
  report.val = &test_digits;
  report.truth = truth;
  report.history = history;
  report.quiet = f.train.quiet;
  report.write(f.out + "/report.html");
  std::printf("wrote %s/model.safetensors, history.csv, test21.png, worst.png, report.html\n", f.out.c_str());
  return 0;
}

}  // namespace

Command add_demo(CLI::App& root) {
  auto f = std::make_shared<DemoFlags>();
  f->train.epochs = 50;
  f->train.trim = 0;  // the reference experiment trains on every row
  f->train.batch = 256;
  // MNIST: He-uniform rather than Keras's glorot-uniform. With glorot weights the 8-unit
  // sigmoid bottleneck saturates in the first epoch on about half the seeds (the model then
  // outputs the mean digit, val MSE 0.067; PyTorch with the same recipe does the same);
  // he-uniform trained on every seed tried. The spiral keeps glorot-uniform.
  f->train.init = "he_uniform";
  CLI::App* app = root.add_subcommand("demo", "Run a reference experiment: mnist (default) or spiral");
  app->add_option("which", f->which, "mnist or spiral")->check(CLI::IsMember({"mnist", "spiral"}));
  app->add_option("--data-dir", f->data_dir, "Folder with mnist/ and fashion-mnist/ (scripts/fetch-data)")->capture_default_str();
  app->add_option("--out", f->out, "Folder for the model, history and pictures")->capture_default_str();
  app->add_option("--inject", f->inject, "How many Fashion-MNIST images to hide (1 = image 0, as in the seed)")->capture_default_str()->check(positive_whole());
  app->add_flag("--inject-random", f->inject_random, "Draw the injected images at random (seeded)");
  add_train_flags(*app, f->train);
  app->get_option("--init")->description("Weight initialiser (mnist: he_uniform, spiral: glorot_uniform unless given): auto, glorot_uniform, he_uniform, lecun_uniform");
  return {app, [f, app]() {
            if (f->train.variational || app->count("--beta") > 0) {
              throw Error(ErrorKind::usage, "demo trains its plain reference models; --variational and --beta are for ae train");
            }
            if (f->which == "spiral") {
              if (app->count("--init") == 0) f->train.init = "glorot_uniform";
              // The spiral's own recipe unless the user overrides it.
              if (app->count("--epochs") == 0) f->train.epochs = 200;
              if (app->count("--batch") == 0) f->train.batch = 64;
              if (!f->train.lr) f->train.lr = 0.005;
              return run_spiral(*f);
            }
            return run_mnist(*f);
          }};
}

}  // namespace ae::cli
