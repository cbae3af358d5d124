// ae score, encode and reconstruct streaming their input (AE_STREAM_ROWS sets the block size):
// outputs byte for byte the same whatever the block size, on NPY, IDX and CSV files of odd
// row counts; a file far larger than the memory the process may hold is scored under
// `ulimit -v` with a small peak resident size.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "ae/data.hpp"
#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

class StreamCli : public test::TempDirTest {
 protected:
  // Runs `ae ARGS` in the test folder with AE_STREAM_ROWS=block (0: unset); the exit code.
  int ae(const std::string& args, std::size_t block = 0, const std::string& prefix = "") const {
    std::string env = block ? "AE_STREAM_ROWS=" + std::to_string(block) + " " : "";
    return test::run_command("cd " + dir_.string() + " && " + prefix + env + AE_BINARY + " " + args +
                             " >>stdout.txt 2>>stderr.txt")
        .code;
  }
  std::string stdout_of(const std::string& args, std::size_t block) const {
    std::filesystem::remove(dir_ / "stdout.txt");
    EXPECT_EQ(ae(args, block), 0) << args << ": " << test::read_text(dir_ / "stderr.txt");
    return test::read_text(dir_ / "stdout.txt");
  }
  // Standard output and the files `files` of `args` run with blocks of 256 rows, then with
  // the whole file in one block: the same bytes.
  void expect_same_outputs(const std::string& args, const std::vector<std::string>& files) const {
    std::vector<std::string> small;
    const std::string small_out = stdout_of(args, 256);
    for (const auto& f : files) small.push_back(test::read_text(dir_ / f));
    EXPECT_EQ(stdout_of(args, 1 << 20), small_out) << args;
    for (std::size_t i = 0; i < files.size(); ++i) {
      EXPECT_FALSE(small[i].empty());
      EXPECT_EQ(test::read_text(dir_ / files[i]), small[i]) << args << " -> " << files[i];
    }
  }
};

TEST_F(StreamCli, OutputsDoNotDependOnTheBlockSize) {
  // 777 rows: three whole blocks of 256 and a short one.
  const std::size_t rows = 777, cols = 10;
  Rng rng(3);
  Matrix x(rows, cols);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform_float() * 4.0f - 1.0f;
  write_npy(path("x.npy"), x.view());
  write_csv(path("x.csv"), x.view(), {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
  ASSERT_EQ(ae("train --data x.npy --layers 6:relu,2:linear,6:relu,10:linear --epochs 2 --out m.safetensors --quiet"), 0);
  expect_same_outputs("score m.safetensors --data x.npy --out s.npy --per-feature p.csv", {"s.npy", "p.csv"});
  expect_same_outputs("score m.safetensors --data x.csv --score sse", {});
  expect_same_outputs("encode m.safetensors --data x.csv --out z.csv", {"z.csv"});
  expect_same_outputs("reconstruct m.safetensors --data x.npy --out r.npy", {"r.npy"});
  // The score table is float64 with whole-number index and rank.
  const std::string table = test::read_text(dir_ / "s.npy");
  EXPECT_NE(table.find("'descr': '<f8'"), std::string::npos);
  const Dataset s = load_data(path("s.npy"));
  ASSERT_EQ(s.rows, rows);
  EXPECT_EQ(s.values[776 * 6], 776.0f);

  // Byte images from raw IDX, 601 rows.
  std::vector<std::uint8_t> idx = {0, 0, 8, 3, 0, 0, 2, 89, 0, 0, 0, 4, 0, 0, 0, 4};
  for (std::size_t i = 0; i < 601 * 16; ++i) idx.push_back(static_cast<std::uint8_t>(rng.below(256)));
  std::ofstream(path("img.idx"), std::ios::binary).write(reinterpret_cast<const char*>(idx.data()), static_cast<std::streamsize>(idx.size()));
  ASSERT_EQ(ae("train --data img.idx --layers 3:relu,16:sigmoid --epochs 1 --out i.safetensors --quiet"), 0);
  expect_same_outputs("score i.safetensors --data img.idx --out s.csv --per-feature p.npy", {"s.csv", "p.npy"});
}

// ASan reserves terabytes of address space for its shadow memory: no run under ulimit -v.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif

TEST_F(StreamCli, ScoresAFileLargerThanItsMemoryLimit) {
  if (kAddressSanitizer) GTEST_SKIP() << "ulimit -v cannot apply under AddressSanitizer";
  // 160,000 MNIST-sized byte rows (125 MB) under an 800 MB address-space limit (OpenBLAS
  // alone reserves some 550 MB of it on 2 cores), with a peak resident size far below the
  // file's size.
  const std::size_t rows = 160000, cols = 784;
  Rng rng(9);
  std::vector<std::uint8_t> pattern(997 * cols);
  for (auto& b : pattern) b = static_cast<std::uint8_t>(rng.below(256));
  // rows x 784 bytes, row r a copy of pattern row r mod 997.
  const auto write_rows = [&](const std::string& name, std::size_t count) {
    std::string h = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + std::to_string(count) + ", 784), }";
    h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
    h.push_back('\n');
    std::ofstream out(path(name), std::ios::binary);
    out << "\x93NUMPY" << '\x01' << '\x00' << static_cast<char>(h.size() & 0xff) << static_cast<char>(h.size() >> 8) << h;
    for (std::size_t r = 0; r < count; r += 997) {
      const std::size_t n = std::min<std::size_t>(997, count - r);
      out.write(reinterpret_cast<const char*>(pattern.data()), static_cast<std::streamsize>(n * cols));
    }
  };
  write_rows("big.npy", rows);
  write_rows("small.npy", 997);
  ASSERT_EQ(ae("train --data small.npy --layers 2:linear,784:sigmoid --epochs 1 --out m.safetensors --quiet"), 0);
  ASSERT_EQ(ae("score m.safetensors --data big.npy --out s.npy", 0, "ulimit -v 800000 && timeout 120 "), 0)
      << test::read_text(dir_ / "stderr.txt");
  rusage usage{};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
  EXPECT_LT(usage.ru_maxrss, 100 * 1024) << "peak resident KB of the largest child";
  const Dataset s = load_data(path("s.npy"));
  ASSERT_EQ(s.rows, rows);
  // Row r repeats row r mod 997: the same score.
  EXPECT_EQ(s.values[159999 * 6 + 1], s.values[(159999 % 997) * 6 + 1]);
}


TEST_F(StreamCli, TrainingOnAMappedFileGivesTheModelOfTheSameFileReadWhole) {
  // 300 images of 8 x 8 bytes as raw IDX (mapped by ae train) and gzipped (read whole).
  test::Bytes file = {0, 0, 0x08, 3, 0, 0, 0x01, 0x2c, 0, 0, 0, 8, 0, 0, 0, 8};
  Rng rng(4);
  for (std::size_t i = 0; i < 300 * 64; ++i) file.push_back(static_cast<std::uint8_t>(rng.below(256)));
  const auto save = [&](const std::string& name, const test::Bytes& bytes) {
    std::ofstream(path(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  };
  save("x.idx", file);
  save("x.idx.gz", test::gzip(file));
  const std::string flags = " --layers 16:relu,4:sigmoid,16:relu,64:sigmoid --epochs 2 --val-split 0.2 --seed 3 --quiet";
  ASSERT_EQ(ae("train --data x.idx --out mapped.safetensors" + flags), 0) << test::read_text(dir_ / "stderr.txt");
  ASSERT_EQ(ae("train --data x.idx.gz --out read.safetensors" + flags), 0);
  const Model mapped = load_model(path("mapped.safetensors")), read = load_model(path("read.safetensors"));
  EXPECT_EQ(std::vector<float>(mapped.autoencoder.parameters().begin(), mapped.autoencoder.parameters().end()),
            std::vector<float>(read.autoencoder.parameters().begin(), read.autoencoder.parameters().end()));
  EXPECT_EQ(mapped.info.data_crc32, read.info.data_crc32);
}

// A mapped training file cut short while ae trains on it: reading a page the file no longer
// has raises SIGBUS, which ae turns into one line naming the file and exit 65 (as for any
// file that changed while being read), leaving no model and no temporary file.
TEST_F(StreamCli, AMappedFileCutShortDuringTrainingIsAnErrorNotACrash) {
  test::Bytes file = {0, 0, 0x08, 3, 0, 0, 0x0b, 0xb8, 0, 0, 0, 8, 0, 0, 0, 8};  // 3000 images of 8 x 8
  Rng rng(5);
  for (std::size_t i = 0; i < 3000 * 64; ++i) file.push_back(static_cast<std::uint8_t>(rng.below(256)));
  std::ofstream(path("x.idx"), std::ios::binary).write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  // Train without end; once the first epoch is done, cut the file to its header.
  const std::string script =
      "cd " + dir_.string() + " && (timeout -s KILL 60 " + AE_BINARY +
      " train --data x.idx --layers 16:relu,4:sigmoid,16:relu,64:sigmoid --epochs 100000 --threads 1"
      " --out m.safetensors 2>err.txt & p=$!; i=0; while [ $i -lt 3000 ] && ! grep -q 'Epoch 1/' err.txt; do"
      " sleep 0.01; i=$((i+1)); done; truncate -s 16 x.idx; wait $p)";
  const int code = test::run_command(script).code;
  const std::string err = test::read_text(dir_ / "err.txt");
  EXPECT_EQ(code, 65) << err;
  EXPECT_NE(err.find("x.idx: the file was cut short while ae was reading it"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(path("m.safetensors")));
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

}  // namespace
}  // namespace ae
