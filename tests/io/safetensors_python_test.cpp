// safetensors interop with Python: files we write are read with only json, struct and numpy,
// and a file laid out by a plain Python writer is read by us. Skipped where Debian's
// /usr/bin/python3 has no numpy. Does not need the `safetensors` Python package.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "ae/safetensors.hpp"

namespace ae {
namespace {

constexpr const char* python = "/usr/bin/python3";

// Reads argv[1] with json/struct/numpy and compares it with the expectations in argv[2]:
// {"metadata": {...}, "tensors": [{"name", "shape", "values"}, ...]}. Values are compared
// as bit patterns. Exits non-zero, saying why on stderr, at the first mismatch.
constexpr const char* reader_script = R"(
import json, struct, sys
import numpy as np

data = open(sys.argv[1], 'rb').read()
want = json.load(open(sys.argv[2]))
(n,) = struct.unpack('<Q', data[:8])
if (8 + n) % 8 != 0:
    sys.exit('header length %d leaves the data unaligned' % n)
header = json.loads(data[8:8 + n].decode('utf-8'))
meta = header.pop('__metadata__', {})
if meta != want['metadata']:
    sys.exit('metadata %r != %r' % (meta, want['metadata']))
if sorted(header) != sorted(t['name'] for t in want['tensors']):
    sys.exit('names %r' % sorted(header))
buf = data[8 + n:]
for t in want['tensors']:
    info = header[t['name']]
    if info['dtype'] != 'F32':
        sys.exit('%s: dtype %s' % (t['name'], info['dtype']))
    begin, end = info['data_offsets']
    got = np.frombuffer(buf[begin:end], dtype='<f4').reshape(info['shape'])
    exp = np.array(t['values'], dtype='<f4').reshape(t['shape'])
    if got.shape != exp.shape:
        sys.exit('%s: shape %r != %r' % (t['name'], got.shape, exp.shape))
    if not np.array_equal(got.view('<u4'), exp.view('<u4')):
        sys.exit('%s: values %r != %r' % (t['name'], got, exp))
)";

// Writes argv[1] as a plain Python program would: no padding, __metadata__ last, entries
// out of offset order.
constexpr const char* writer_script = R"(
import json, struct, sys
import numpy as np

w = np.arange(6, dtype='<f4').reshape(2, 3) / np.float32(8) - np.float32(0.25)
b = np.array([1.5, -2.0], dtype='<f4')
header = {
    'enc.bias': {'dtype': 'F32', 'shape': [2], 'data_offsets': [24, 32]},
    'enc.weight': {'dtype': 'F32', 'shape': [2, 3], 'data_offsets': [0, 24]},
    '__metadata__': {'format': 'ae', 'from': 'numpy'},
}
text = json.dumps(header).encode('utf-8')
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<Q', len(text)))
    f.write(text)
    f.write(w.tobytes())
    f.write(b.tobytes())
)";

bool python_has_numpy() {
  const std::string command = std::string(python) + " -c 'import numpy' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

int run_python(const std::filesystem::path& script_path, const std::string& script,
               const std::string& args) {
  std::ofstream(script_path) << script;
  const std::string command = std::string(python) + " " + script_path.string() + " " + args;
  const int status = std::system(command.c_str());
  return (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
}

class SafetensorsPython : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!python_has_numpy()) GTEST_SKIP() << python << " cannot import numpy";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("ae_safetensors_py_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
};

TEST_F(SafetensorsPython, NumpyReadsWhatWeWrite) {
  TensorFile f;
  f.metadata = {{"format", "ae"}, {"architecture", "{\"layers\":[3,2,3]}"}, {"note", "ünï"}};
  f.tensors.push_back({"layers.0.weight", {2, 3}, {0.5f, -1.25f, 3e-38f, 1e38f, -0.0f, 0.1f}});
  f.tensors.push_back({"layers.0.bias", {2}, {1.0f, -2.0f}});
  f.tensors.push_back({"scale", {}, {0.3f}});
  f.tensors.push_back({"empty", {0, 4}, {}});
  f.tensors.push_back({"layers.1.weight", {3, 2}, {1, 2, 3, 4, 5, 6}});
  const auto model = dir_ / "model.safetensors";
  write_safetensors(model.string(), f);

  // Float values go through JSON as doubles, which hold every float exactly.
  nlohmann::json want = {{"metadata", f.metadata}, {"tensors", nlohmann::json::array()}};
  for (const Tensor& t : f.tensors) {
    want["tensors"].push_back({{"name", t.name}, {"shape", t.shape}, {"values", t.values}});
  }
  const auto expected = dir_ / "expected.json";
  std::ofstream(expected) << want.dump();

  EXPECT_EQ(run_python(dir_ / "read.py", reader_script,
                       model.string() + " " + expected.string()),
            0);
}

TEST_F(SafetensorsPython, WeReadWhatPlainPythonWrites) {
  const auto model = dir_ / "from_numpy.safetensors";
  ASSERT_EQ(run_python(dir_ / "write.py", writer_script, model.string()), 0);

  const TensorFile f = read_safetensors(model.string());
  EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"format", "ae"}, {"from", "numpy"}}));
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors[0].name, "enc.weight");
  EXPECT_EQ(f.tensors[0].shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(f.tensors[0].values,
            (std::vector<float>{-0.25f, -0.125f, 0.0f, 0.125f, 0.25f, 0.375f}));
  EXPECT_EQ(f.tensors[1].name, "enc.bias");
  EXPECT_EQ(f.tensors[1].values, (std::vector<float>{1.5f, -2.0f}));
}

}  // namespace
}  // namespace ae
