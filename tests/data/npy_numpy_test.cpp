// NPY against the real numpy (Debian's python3-numpy): numpy reads what write_npy and
// write_npy_i64 write, and parse_npy reads what numpy.save writes. Skipped without numpy.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ae/data.hpp"
#include "ae/error.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;

bool have_numpy() {
  return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

TEST(NpyNumpy, NumpyAndAeReadEachOthersFiles) {
  if (!have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy not available";
  const fs::path dir = fs::path(testing::TempDir()) / ("ae_npy_numpy_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string ours = (dir / "ours.npy").string(), ids = (dir / "ids.npy").string();

  Matrix m(2, 3);
  const float v[] = {0.1f, -2.5f, 1e-20f, 3.0e30f, -0.0f, 7.0f};
  std::copy(std::begin(v), std::end(v), m.data());
  write_npy(ours, m);
  write_npy_i64(ids, std::vector<std::int64_t>{5, -1, std::int64_t{1} << 50});

  const std::string script =
      "import numpy as np, sys\n"
      "d = sys.argv[1]\n"
      "a = np.load(d + '/ours.npy')\n"
      "assert a.dtype == np.dtype('<f4') and a.shape == (2, 3), (a.dtype, a.shape)\n"
      "want = np.array([0.1, -2.5, 1e-20, 3.0e30, -0.0, 7.0], dtype='<f4').reshape(2, 3)\n"
      "assert a.tobytes() == want.tobytes(), a\n"
      "b = np.load(d + '/ids.npy')\n"
      "assert b.dtype == np.dtype('<i8') and b.tolist() == [5, -1, 1 << 50], b\n"
      "np.save(d + '/f8.npy', np.arange(6, dtype=np.float64).reshape(3, 2) / 4)\n"
      "np.save(d + '/u1.npy', np.array([[0, 255], [7, 8]], dtype=np.uint8))\n"
      "np.save(d + '/i8.npy', np.array([3, -4], dtype=np.int64))\n"
      "np.save(d + '/f4.npy', want)\n"
      "np.save(d + '/fortran.npy', np.asfortranarray(want))\n";
  const std::string command = "/usr/bin/python3 -c \"$AE_NPY_SCRIPT\" '" + dir.string() + "'";
  ASSERT_EQ(::setenv("AE_NPY_SCRIPT", script.c_str(), 1), 0);
  ASSERT_EQ(std::system(command.c_str()), 0) << "numpy could not read our files";

  const Dataset f8 = load_data((dir / "f8.npy").string());
  EXPECT_EQ(f8.rows, 3u);
  EXPECT_EQ(f8.cols, 2u);
  EXPECT_EQ(f8.values, (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1.0f, 1.25f}));
  const Dataset u1 = load_data((dir / "u1.npy").string());
  EXPECT_TRUE(u1.byte_data);
  EXPECT_EQ(u1.bytes, (std::vector<std::uint8_t>{0, 255, 7, 8}));
  EXPECT_EQ(load_labels((dir / "i8.npy").string()), (std::vector<std::int64_t>{3, -4}));
  EXPECT_EQ(load_data((dir / "f4.npy").string()).values, std::vector<float>(std::begin(v), std::end(v)));
  EXPECT_THROW(load_data((dir / "fortran.npy").string()), Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ae
