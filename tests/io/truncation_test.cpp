// Truncation sweeps: every strict prefix of a small valid IDX (raw and gzipped), NPY, CSV
// and model file is refused with Error(bad_data) by the readers, and with exit code 65 by
// the CLI for a few prefix lengths. CSV is the one format without a length field: a prefix
// that ends at a row boundary is a valid smaller table, and is checked as one.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "ae/safetensors.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;
using test::gzip;
using test::Bytes;


// IDX u8, 3 images of 2 x 2: 16 header bytes and 12 payload bytes.
Bytes idx_u8() {
  Bytes b = {0, 0, 0x08, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2};
  for (std::uint8_t v = 0; v < 12; ++v) b.push_back(static_cast<std::uint8_t>(v * 20));
  return b;
}

// IDX f32, 2 rows of 3 big-endian floats (1.0f = 3f 80 00 00).
Bytes idx_f32() {
  Bytes b = {0, 0, 0x0D, 2, 0, 0, 0, 2, 0, 0, 0, 3};
  for (int i = 0; i < 6; ++i) b.insert(b.end(), {0x3f, 0x80, 0x00, 0x00});
  return b;
}

// Runs f and expects Error(bad_data); returns the message for traces.
void expect_bad_data(const std::function<void()>& f, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << what << ": accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_data) << what << ": " << e.what();
  }
}

// Runs `ae ARGS` with stdout and stderr discarded; returns the exit code.
int ae_exit_code(const std::string& args) {
  return test::run_command(std::string(AE_BINARY) + " " + args + " >/dev/null 2>&1").code;
}

class Truncation : public test::TempDirTest {
 protected:
  std::string write(const std::string& name, const Bytes& bytes, std::size_t size) const {
    const std::string p = path(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(size));
    return p;
  }
  Bytes read(const std::string& name) const {
    std::ifstream in(path(name), std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // Every strict prefix through load_data (detection, gunzip, dispatch): Error(bad_data).
  void sweep_load_data(const Bytes& whole, const std::string& name) const {
    ASSERT_NO_THROW((void)load_data(write(name, whole, whole.size()))) << name << " itself";
    for (std::size_t n = 0; n < whole.size(); ++n) {
      const std::string p = write(name, whole, n);
      expect_bad_data([&] { (void)load_data(p); }, name + " prefix " + std::to_string(n));
    }
  }

  // A 3 x 4 model (4 -> 2 -> 4), saved by save_model; returns its path.
  std::string tiny_model() const {
    Autoencoder model(make_architecture(4, parse_layers("2:tanh,4:sigmoid")));
    Rng rng(7);
    model.initialize(Init::glorot_uniform, rng);
    const std::string p = path("model.safetensors");
    save_model(p, model, ModelInfo{});
    return p;
  }

  // The CLI on a few prefixes of `whole` (by default 0, 1, half and all but the last byte),
  // written to `name`: exit 65 and no output file. `args` holds the command with {} where the
  // prefix's path goes.
  void sweep_cli(const Bytes& whole, const std::string& name, const std::string& args,
                 std::vector<std::size_t> lengths = {}) const {
    if (lengths.empty()) lengths = {0, 1, whole.size() / 2, whole.size() - 1};
    const std::string out = path("out.npy");
    for (const std::size_t n : lengths) {
      const std::string p = write(name, whole, n);
      std::string command = args;
      command.replace(command.find("{}"), 2, p);
      EXPECT_EQ(ae_exit_code(command + " --out " + out), 65) << name << " prefix " << n;
      EXPECT_FALSE(fs::exists(out)) << name << " prefix " << n;
    }
  }

};

TEST_F(Truncation, EveryPrefixOfAnIdxFileIsBadData) {
  for (const Bytes& whole : {idx_u8(), idx_f32()}) {
    ASSERT_NO_THROW((void)parse_idx(whole, "whole.idx"));
    for (std::size_t n = 0; n < whole.size(); ++n) {
      expect_bad_data([&] { (void)parse_idx(std::span(whole).first(n), "cut.idx"); },
                      "parse_idx prefix " + std::to_string(n));
    }
    sweep_load_data(whole, "cut.idx");
  }
}

TEST_F(Truncation, EveryPrefixOfAGzippedIdxFileIsBadData) {
  const Bytes whole = gzip(idx_u8());
  ASSERT_GT(whole.size(), 18u);
  sweep_load_data(whole, "cut.idx.gz");
}

TEST_F(Truncation, EveryPrefixOfAnNpyFileIsBadData) {
  Matrix m(2, 3);
  for (std::size_t i = 0; i < m.size(); ++i) m.values()[i] = 0.5f * static_cast<float>(i) - 1.0f;
  write_npy(path("whole.npy"), m.view());
  const Bytes whole = read("whole.npy");
  ASSERT_EQ(whole.size(), 128u + 24u);
  for (std::size_t n = 0; n < whole.size(); ++n) {
    expect_bad_data([&] { (void)parse_npy(std::span(whole).first(n), "cut.npy"); },
                    "parse_npy prefix " + std::to_string(n));
  }
  sweep_load_data(whole, "cut.npy");
}

// Cells of one character: a cut inside a row leaves an empty cell or too few cells, so a
// prefix is accepted exactly when it ends at the end of a data row, and then holds exactly
// the rows before the cut.
TEST_F(Truncation, EveryPrefixOfACsvFileIsBadDataOrTheWholeRowsBeforeTheCut) {
  Matrix m(3, 2);
  for (std::size_t i = 0; i < m.size(); ++i) m.values()[i] = static_cast<float>(i + 1);
  write_csv(path("whole.csv"), m.view(), {"a", "b"});
  const Bytes whole = read("whole.csv");
  ASSERT_EQ(std::string(whole.begin(), whole.end()), "a,b\n1,2\n3,4\n5,6\n");
  std::size_t accepted = 0;
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const std::string_view text(reinterpret_cast<const char*>(whole.data()), n);
    // Data rows complete in the prefix: lines after the header that end with a digit.
    std::size_t complete = 0;
    const bool at_row_end = n > 4 && (whole[n - 1] == '\n' || whole[n - 1] == '2' ||
                                      whole[n - 1] == '4' || whole[n - 1] == '6');
    for (std::size_t i = 4; i < n; ++i) complete += whole[i] == '\n';
    if (n > 4 && whole[n - 1] != '\n' && at_row_end) ++complete;
    SCOPED_TRACE("prefix " + std::to_string(n) + ": '" + std::string(text) + "'");
    if (!at_row_end || complete == 0) {
      expect_bad_data([&] { (void)parse_csv(text, "cut.csv"); }, "parse_csv");
      continue;
    }
    const Dataset d = parse_csv(text, "cut.csv");
    ++accepted;
    ASSERT_EQ(d.cols, 2u);
    ASSERT_EQ(d.rows, complete);
    for (std::size_t i = 0; i < d.rows * d.cols; ++i) EXPECT_EQ(d.values[i], m.values()[i]);
  }
  EXPECT_EQ(accepted, 5u);  // ending "1,2", "1,2\n", "3,4", "3,4\n" and "5,6"
}

// General numbers: a cut inside the last cell of a row reads as a shorter number (CSV has
// no length field to tell), but a prefix never yields a partial row, a changed earlier row
// or a row past the cut; a prefix ending with a newline is exactly the rows before it.
TEST_F(Truncation, CsvPrefixesNeverAcceptAPartialRow) {
  Matrix m(3, 3);
  const float values[] = {0.25f, -1.5f, 1e-3f, 12.75f, 3.0f, -0.125f, 1e7f, 2.5f, 6.0f};
  std::copy(std::begin(values), std::end(values), m.values().begin());
  write_csv(path("whole.csv"), m.view(), {"x", "y", "z"});
  const Bytes whole = read("whole.csv");
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const std::string_view text(reinterpret_cast<const char*>(whole.data()), n);
    SCOPED_TRACE("prefix " + std::to_string(n) + ": '" + std::string(text) + "'");
    Dataset d;
    try {
      d = parse_csv(text, "cut.csv");
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_data) << e.what();
      continue;
    }
    ASSERT_EQ(d.cols, 3u);
    ASSERT_GE(d.rows, 1u);
    ASSERT_LE(d.rows, 3u);
    const std::size_t exact = text.back() == '\n' ? d.rows * 3 : d.rows * 3 - 1;
    for (std::size_t i = 0; i < exact; ++i) EXPECT_EQ(d.values[i], m.values()[i]) << "value " << i;
    if (text.back() == '\n') EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')), d.rows + 1);
  }
}

TEST_F(Truncation, EveryPrefixOfAModelFileIsBadData) {
  const std::string model = tiny_model();
  const Bytes whole = read("model.safetensors");
  ASSERT_NO_THROW((void)load_model(model));
  const std::vector<unsigned char> bytes(whole.begin(), whole.end());
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const std::vector<unsigned char> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    expect_bad_data([&] { (void)parse_safetensors(prefix, "cut.safetensors"); },
                    "parse_safetensors prefix " + std::to_string(n));
    const std::string p = write("cut.safetensors", whole, n);
    expect_bad_data([&] { (void)load_model(p); }, "load_model prefix " + std::to_string(n));
  }
}

TEST_F(Truncation, CliExitsWith65OnPrefixesAndWritesNothing) {
  const std::string model = tiny_model();
  const std::string encode = "encode " + model + " --data {}";
  Matrix m(2, 4);
  for (std::size_t i = 0; i < m.size(); ++i) m.values()[i] = 0.1f * static_cast<float>(i);
  write_npy(path("whole.npy"), m.view());
  write_csv(path("whole.csv"), m.view(), {"a", "b", "c", "d"});
  Bytes idx = {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2};
  idx.insert(idx.end(), {1, 2, 3, 4, 5, 6, 7, 8});
  write("whole.idx", idx, idx.size());
  ASSERT_EQ(ae_exit_code(encode.substr(0, encode.size() - 2) + path("whole.idx")), 0);

  sweep_cli(idx, "cut.idx", encode);
  sweep_cli(gzip(idx), "cut.idx.gz", encode);
  sweep_cli(read("whole.npy"), "cut.npy", encode);
  // CSV: cuts inside the header and just after the first ',' of the last row (an empty
  // cell); a cut at a row boundary would be a valid smaller table.
  const Bytes csv = read("whole.csv");
  const std::string text(csv.begin(), csv.end());
  const std::size_t last_row = text.rfind('\n', text.size() - 2) + 1;
  sweep_cli(csv, "cut.csv", encode, {0, 1, 5, text.find(',', last_row) + 1});
  sweep_cli(read("model.safetensors"), "cut.safetensors", "encode {} --data " + path("whole.idx"));
}

}  // namespace
}  // namespace ae
