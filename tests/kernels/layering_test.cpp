// The kernel layer reaches nothing above it: its files include the standard library, BLAS,
// intrinsics, each other and, of ae's public headers, only ae/activation.hpp (the enum).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace {

TEST(KernelLayering, KernelFilesIncludeOnlyKernelsAndTheActivationEnum) {
  const std::filesystem::path dir = std::filesystem::path(AE_SOURCE_DIR) / "src" / "kernels";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("#include \"", 0) != 0) continue;
      const std::string header = line.substr(10, line.find('"', 10) - 10);
      EXPECT_TRUE(header.rfind("kernels/", 0) == 0 || header == "ae/activation.hpp")
          << entry.path().filename() << " includes " << header;
    }
  }
  EXPECT_GT(files, 0);
}

}  // namespace
