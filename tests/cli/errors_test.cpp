// Every bad input of docs/errors.md, one table row each and in the same order: the real
// binary exits with the documented code, prints exactly one line on stderr and leaves the
// working folder as it found it (no output file, no temporary file). Message wording is not
// checked; docs/errors.md shows its shape.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/data_hash.hpp"
#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;
using test::gzip;
using test::Bytes;
using Json = nlohmann::ordered_json;

struct Row {
  const char* name;  // section: case, as in docs/errors.md
  const char* args;  // the command after `ae`, run in the fixture folder
  int code;          // expected exit code
};

// docs/errors.md, row by row.
const Row kRows[] = {
    {"IDX: header cut inside the dimension sizes", "encode m.safetensors --data cut_header.idx --out out/e.npy", 65},
    {"IDX: payload shorter than the dimensions say", "encode m.safetensors --data cut_payload.idx --out out/e.npy", 65},
    {"IDX: bytes after the payload", "encode m.safetensors --data trailing.idx --out out/e.npy", 65},
    {"IDX: unknown type code (00 00 0a ..)", "encode m.safetensors --data type.idx --out out/e.npy", 65},
    {"IDX: dimension count 0 or over 4", "encode m.safetensors --data ndims.idx --out out/e.npy", 65},
    {"IDX: a dimension of 0", "encode m.safetensors --data zero_dim.idx --out out/e.npy", 65},
    {"IDX: dimensions whose product overflows", "encode m.safetensors --data huge.idx --out out/e.npy", 65},
    {"IDX: NaN in float data (type 0x0d)", "encode m.safetensors --data nan.idx --out out/e.npy", 65},
    {"IDX.gz: gzip stream cut short", "encode m.safetensors --data cut.idx.gz --out out/e.npy", 65},
    {"IDX.gz: corrupt deflate data", "encode m.safetensors --data corrupt.idx.gz --out out/e.npy", 65},
    {"IDX.gz: junk after the gzip member", "encode m.safetensors --data trailing.idx.gz --out out/e.npy", 65},
    {"IDX.gz: valid gzip of a cut IDX file", "encode m.safetensors --data inner.idx.gz --out out/e.npy", 65},
    {"NPY: file ends inside the preamble", "encode m.safetensors --data cut_preamble.npy --out out/e.npy", 65},
    {"NPY: payload shorter than the shape says", "encode m.safetensors --data cut_payload.npy --out out/e.npy", 65},
    {"NPY: bytes after the payload", "encode m.safetensors --data trailing.npy --out out/e.npy", 65},
    {"NPY: unknown format version", "encode m.safetensors --data version.npy --out out/e.npy", 65},
    {"NPY: header length past the end of the file", "encode m.safetensors --data header_len.npy --out out/e.npy", 65},
    {"NPY: big-endian dtype", "encode m.safetensors --data big_endian.npy --out out/e.npy", 65},
    {"NPY: Fortran order", "encode m.safetensors --data fortran.npy --out out/e.npy", 65},
    {"NPY: unsupported dtype", "encode m.safetensors --data dtype.npy --out out/e.npy", 65},
    {"NPY: object (pickled) dtype", "encode m.safetensors --data object.npy --out out/e.npy", 65},
    {"NPY: three dimensions", "encode m.safetensors --data 3d.npy --out out/e.npy", 65},
    {"NPY: a zero in the shape", "encode m.safetensors --data zero.npy --out out/e.npy", 65},
    {"NPY: unknown key in the header dict", "encode m.safetensors --data key.npy --out out/e.npy", 65},
    {"NPY: Inf in the data", "encode m.safetensors --data inf.npy --out out/e.npy", 65},
    {"CSV: row with too few cells", "encode m.safetensors --data ragged.csv --out out/e.npy", 65},
    {"CSV: cell that is not a number", "encode m.safetensors --data text.csv --out out/e.npy", 65},
    {"CSV: nan cell", "encode m.safetensors --data nan.csv --out out/e.npy", 65},
    {"CSV: number outside the float range", "encode m.safetensors --data range.csv --out out/e.npy", 65},
    {"CSV: empty file", "encode m.safetensors --data empty.csv --out out/e.npy", 65},
    {"CSV: header row only", "encode m.safetensors --data header_only.csv --out out/e.npy", 65},
    {"CSV: blank line between rows", "encode m.safetensors --data blank.csv --out out/e.npy", 65},
    {"CSV: unterminated quote", "encode m.safetensors --data quote.csv --out out/e.npy", 65},
    {"CSV: binary file that is neither IDX nor NPY", "encode m.safetensors --data binary.dat --out out/e.npy", 65},
    {"model: file shorter than 8 bytes", "encode short.safetensors --data t.csv --out out/e.npy", 65},
    {"model: header length over 100 MB", "encode header_big.safetensors --data t.csv --out out/e.npy", 65},
    {"model: header length past the end of the file", "encode header_past.safetensors --data t.csv --out out/e.npy", 65},
    {"model: header that is not JSON", "encode json.safetensors --data t.csv --out out/e.npy", 65},
    {"model: data cut short", "encode cut.safetensors --data t.csv --out out/e.npy", 65},
    {"model: bytes after the last tensor", "encode trailing.safetensors --data t.csv --out out/e.npy", 65},
    {"model: dtype other than F32", "encode f16.safetensors --data t.csv --out out/e.npy", 65},
    {"model: overlapping data_offsets", "encode overlap.safetensors --data t.csv --out out/e.npy", 65},
    {"model: NaN weight", "encode nan.safetensors --data t.csv --out out/e.npy", 65},
    {"model: tensor name given twice", "encode dup.safetensors --data t.csv --out out/e.npy", 65},
    {"model: metadata value that is not a string", "encode meta_number.safetensors --data t.csv --out out/e.npy", 65},
    {"model: format is not ae (a plain safetensors file)", "encode format.safetensors --data t.csv --out out/e.npy", 65},
    {"model: unsupported format_version", "encode version.safetensors --data t.csv --out out/e.npy", 65},
    {"model: no __metadata__", "encode no_meta.safetensors --data t.csv --out out/e.npy", 65},
    {"model: architecture that is not JSON", "encode arch.safetensors --data t.csv --out out/e.npy", 65},
    {"model: unknown activation in the architecture", "encode activation.safetensors --data t.csv --out out/e.npy", 65},
    {"model: unknown normalizer", "encode normalizer.safetensors --data t.csv --out out/e.npy", 65},
    {"model: data_crc32 that is not a number", "encode crc.safetensors --data t.csv --out out/e.npy", 65},
    {"model: a layer's tensor missing", "encode missing.safetensors --data t.csv --out out/e.npy", 65},
    {"model: weight of the wrong shape", "encode shape.safetensors --data t.csv --out out/e.npy", 65},
    {"model: a CSV file given as the model", "encode t.csv --data t.csv --out out/e.npy", 65},
    {"flags: --epochs 0", "train --data t.csv --layers 2:tanh,4:sigmoid --epochs 0 --out out/m.safetensors", 2},
    {"flags: --epochs not a number", "train --data t.csv --layers 2:tanh,4:sigmoid --epochs ten --out out/m.safetensors", 2},
    {"flags: --batch 0", "train --data t.csv --layers 2:tanh,4:sigmoid --batch 0 --out out/m.safetensors", 2},
    {"flags: --lr 0", "train --data t.csv --layers 2:tanh,4:sigmoid --lr 0 --out out/m.safetensors", 2},
    {"flags: --lr negative", "train --data t.csv --layers 2:tanh,4:sigmoid --lr -0.1 --out out/m.safetensors", 2},
    {"flags: --lr nan", "train --data t.csv --layers 2:tanh,4:sigmoid --lr nan --out out/m.safetensors", 2},
    {"flags: unknown --loss", "train --data t.csv --layers 2:tanh,4:sigmoid --loss hinge --out out/m.safetensors", 2},
    {"flags: unknown --optimizer", "train --data t.csv --layers 2:tanh,4:sigmoid --optimizer lbfgs --out out/m.safetensors", 2},
    {"flags: unknown --init", "train --data t.csv --layers 2:tanh,4:sigmoid --init zeros --out out/m.safetensors", 2},
    {"flags: --momentum 1", "train --data t.csv --layers 2:tanh,4:sigmoid --optimizer sgd --momentum 1 --out out/m.safetensors", 2},
    {"flags: --threads negative", "train --data t.csv --layers 2:tanh,4:sigmoid --threads -1 --out out/m.safetensors", 2},
    {"flags: --bottleneck 0 (it counts from 1)", "train --data t.csv --layers 2:tanh,4:sigmoid --bottleneck 0 --out out/m.safetensors", 2},
    {"flags: --bottleneck at the output layer", "train --data t.csv --layers 2:tanh,4:sigmoid --bottleneck 2 --out out/m.safetensors", 2},
    {"flags: unknown flag", "train --data t.csv --layers 2:tanh,4:sigmoid --frobnicate --out out/m.safetensors", 2},
    {"flags: train without --data", "train --layers 2:tanh,4:sigmoid --out out/m.safetensors", 2},
    {"flags: encode without a model", "encode --data t.csv --out out/e.npy", 2},
    {"flags: --out with neither .npy nor .csv", "encode m.safetensors --data t.csv --out out/e.txt", 2},
    {"flags: show --index not a number", "show m.safetensors --data t.csv --index 1,x --out out/s.png", 2},
    {"flags: show --index negative", "show m.safetensors --data t.csv --index -1 --out out/s.png", 2},
    {"flags: show --index past the last row", "show m.safetensors --data t.csv --index 10 --out out/s.png", 2},
    {"flags: show with neither --index nor --worst", "show m.safetensors --data t.csv --out out/s.png", 2},
    {"flags: show with both --index and --worst", "show m.safetensors --data t.csv --index 1 --worst 2 --out out/s.png", 2},
    {"flags: summary with nothing to summarise", "summary", 2},
    {"flags: summary with a model and --layers", "summary m.safetensors --layers 2:tanh,4:sigmoid", 2},
    {"flags: no subcommand", "", 2},
    {"flags: unknown subcommand", "frobnicate", 2},
    {"flags: unknown demo", "demo bogus --out out/demo", 2},
    {"spec: unknown activation", "train --data t.csv --layers 2:swish,4:sigmoid --out out/m.safetensors", 2},
    {"spec: width that is not a number", "train --data t.csv --layers x:relu,4:sigmoid --out out/m.safetensors", 2},
    {"spec: negative width", "train --data t.csv --layers -2:relu,4:sigmoid --out out/m.safetensors", 2},
    {"spec: zero width", "train --data t.csv --layers 0:relu,4:sigmoid --out out/m.safetensors", 2},
    {"spec: width over 1,000,000", "train --data t.csv --layers 2000000:relu,4:sigmoid --out out/m.safetensors", 2},
    {"spec: empty spec", "summary --layers '' --input 4", 2},
    {"spec: empty token", "summary --layers 2:relu,,4:sigmoid --input 4", 2},
    {"spec: a single layer", "summary --layers 4:sigmoid --input 4", 2},
    {"spec: last width != input width", "train --data t.csv --layers 2:relu,3:sigmoid --out out/m.safetensors", 2},
    {"spec: last width != --input", "summary --layers 2:relu,3:sigmoid --input 4", 2},
    {"width: encode data narrower than the model", "encode m.safetensors --data w3.csv --out out/e.npy", 2},
    {"width: reconstruct data narrower than the model", "reconstruct m.safetensors --data w3.csv --out out/r.csv", 2},
    {"width: decode rows wider than the embedding", "decode m.safetensors --data t.csv --out out/d.npy", 2},
    {"width: show data narrower than the model", "show m.safetensors --data w3.csv --index 0 --out out/s.png", 2},
    {"width: --val narrower than --data", "train --data t.csv --layers 2:tanh,4:sigmoid --val w3.csv --quiet --out out/m.safetensors", 2},
    {"missing: --data does not exist", "train --data nope.csv --layers 2:tanh,4:sigmoid --out out/m.safetensors", 66},
    {"missing: --val does not exist", "train --data t.csv --layers 2:tanh,4:sigmoid --val nope.csv --out out/m.safetensors", 66},
    {"missing: --data is a folder", "encode m.safetensors --data out --out out/e.npy", 66},
    {"missing: model does not exist", "encode nope.safetensors --data t.csv --out out/e.npy", 66},
    {"missing: model is a folder", "summary out", 66},
    {"missing: demo without the data", "demo --data-dir out --out out/demo", 66},
    {"output: train --out in a missing folder", "train --data t.csv --layers 2:tanh,4:sigmoid --epochs 1 --quiet --out missing/m.safetensors", 73},
    {"output: train --out under a regular file", "train --data t.csv --layers 2:tanh,4:sigmoid --epochs 1 --quiet --out t.csv/m.safetensors", 73},
    {"output: --history in a missing folder (no model written either)", "train --data t.csv --layers 2:tanh,4:sigmoid --epochs 1 --quiet --history missing/h.csv --out out/m.safetensors", 73},
    {"output: encode --out in a missing folder", "encode m.safetensors --data t.csv --out missing/e.npy", 73},
    {"output: reconstruct --out in a missing folder", "reconstruct m.safetensors --data t.csv --out missing/r.csv", 73},
    {"output: show --out in a missing folder", "show m.safetensors --data t.csv --index 0 --out missing/s.png", 73},
    {"output: --out is the data file", "reconstruct m.safetensors --data t.csv --out t.csv", 2},
    {"output: --history is the data file, through a symlink", "train --data t.csv --layers 2:tanh,4:sigmoid --history link.csv --out out/m.safetensors", 2},
    {"output: --out is the model read", "encode m.safetensors --data t.csv --out m.safetensors", 2},
    {"output: standard output appended to the data file", "encode m.safetensors --data t.csv >> t.csv", 2},
    {"output: two outputs name one file", "train --data t.csv --layers 2:tanh,4:sigmoid --history out/x --out out/x", 2},
    {"output: --out is a folder", "train --data t.csv --layers 2:tanh,4:sigmoid --out out", 73},
    {"output: --out .", "train --data t.csv --layers 2:tanh,4:sigmoid --out .", 73},
    {"output: --checkpoint under a regular file", "train --data t.csv --layers 2:tanh,4:sigmoid --checkpoint t.csv/ck.safetensors", 73},
    {"output: demo --out names a file", "demo --out t.csv", 73},
    {"output: --per-feature with an ending ae does not write", "score m.safetensors --data t.csv --fit t.csv --per-feature out/p.txt", 2},
    {"output: show --out that is not .png", "show m.safetensors --data t.csv --index 0 --out out/s.svg", 2},
    {"input: --data is a named pipe", "encode m.safetensors --data fifo --out out/e.npy", 66},
    {"input: the model is a named pipe", "encode fifo --data t.csv --out out/e.npy", 66},
    {"input: --data is a device", "encode m.safetensors --data /dev/zero --out out/e.npy", 66},
    {"input: gzip of binary data that is neither IDX nor NPY (refused from its first bytes)", "encode m.safetensors --data zeros.gz --out out/e.npy", 65},
    {"input: gzip IDX that unpacks past its header's size", "encode m.safetensors --data long.idx.gz --out out/e.npy", 65},
    {"CSV: a trailing comma", "encode m.safetensors --data comma.csv --out out/e.npy", 65},
    {"data: training values beyond 1e15 (unscaled)", "train --data huge.csv --scale none --layers 2:linear,4:linear --quiet --out out/m.safetensors", 65},
    {"model: image_shape that wraps around to the input width", "encode image_shape.safetensors --data t.csv --out out/e.npy", 65},
    {"model: more than 1,000 layers", "encode deep.safetensors --data t.csv --out out/e.npy", 65},
    {"model: data_crc32 with text after the number", "encode crc_text.safetensors --data t.csv --out out/e.npy", 65},
    {"model: a metadata key given twice", "encode dup_meta.safetensors --data t.csv --out out/e.npy", 65},
    {"flags: --epochs over 100,000", "train --data t.csv --layers 2:tanh,4:sigmoid --epochs 100001 --out out/m.safetensors", 2},
    {"flags: --seed negative", "train --data t.csv --layers 2:tanh,4:sigmoid --seed -1 --out out/m.safetensors", 2},
    {"spec: more than 1,000,000,000 parameters", "summary --layers 1000000:relu,1000000:relu,4:sigmoid --input 4", 2},
    {"flags: --weight-decay negative", "train --data t.csv --layers 2:tanh,4:sigmoid --weight-decay -0.5 --out out/m.safetensors", 2},
    {"flags: --dropout 1", "train --data t.csv --layers 2:tanh,4:sigmoid --dropout 1 --out out/m.safetensors", 2},
    {"flags: --noise 1 with --noise-kind mask", "train --data t.csv --layers 2:tanh,4:sigmoid --noise 1 --noise-kind mask --out out/m.safetensors", 2},
    {"flags: unknown --noise-kind", "train --data t.csv --layers 2:tanh,4:sigmoid --noise 0.1 --noise-kind salt --out out/m.safetensors", 2},
    {"flags: --sparsity negative", "train --data t.csv --layers 2:tanh,4:sigmoid --sparsity -1 --out out/m.safetensors", 2},
    {"flags: --variational with a non-linear embedding layer", "train --data t.csv --layers 2:tanh,4:sigmoid --variational --out out/m.safetensors", 2},
    {"flags: --variational with --sparsity", "train --data t.csv --layers 2:linear,4:sigmoid --variational --sparsity 0.1 --out out/m.safetensors", 2},
    {"model: ae sample of a plain model", "sample m.safetensors --n 3 --out out/s.npy", 2},
    {"flags: demo --variational (its reference models are plain)", "demo spiral --variational --out out/demo", 2},
    {"flags: demo --beta", "demo --beta 0.5 --out out/demo", 2},
    {"model: elbo score of a plain model", "score m.safetensors --data t.csv --score elbo --out out/s.npy", 2},
    {"flags: recprob with --samples 0", "score m.safetensors --data t.csv --score recprob --samples 0 --out out/s.npy", 2},
};

using CliRun = test::ErrRun;
using test::run_ae_in;

void put_be32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

// IDX: 00 00 type ndims, big-endian sizes, then the payload.
Bytes idx(std::uint8_t type, const std::vector<std::uint32_t>& dims, const Bytes& payload) {
  Bytes b = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) put_be32(b, d);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// NPY v1.0 (or `major`.0) with the header dict as given, padded as numpy pads it.
Bytes npy(const std::string& dict, const Bytes& payload, std::uint8_t major = 1) {
  std::string h = dict;
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h.push_back('\n');
  std::string s = "\x93NUMPY";
  s += static_cast<char>(major);
  s += '\0';
  s += static_cast<char>(h.size() & 0xff);
  s += static_cast<char>(h.size() >> 8);
  s += h;
  s.append(payload.begin(), payload.end());
  return Bytes(s.begin(), s.end());
}

std::string dict(const std::string& descr, const std::string& shape, const char* order = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
}

Bytes floats_le(const std::vector<float>& v) {
  Bytes b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}


Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A safetensors file from header text (padded to 8) and data bytes.
Bytes safetensors(std::string header, const Bytes& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  Bytes b;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(std::uint64_t{header.size()} >> (8 * i)));
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

class Errors : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    fs::create_directories(dir_ / "out");
    write_fixtures();
  }

  void put(const std::string& name, const Bytes& bytes) const {
    std::ofstream out(dir_ / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  Bytes get(const std::string& name) const {
    std::ifstream in(dir_ / name, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // Every path under the folder with its size and contents, to see that a run changed nothing.
  std::set<std::string> snapshot() const {
    std::set<std::string> entries;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      std::string entry = fs::relative(e.path(), dir_).string();
      if (e.is_regular_file()) {
        const Bytes b = get(entry);
        entry += " " + std::to_string(b.size()) + " " +
                 std::to_string(crc32_of(b.data(), b.size()));
      }
      entries.insert(entry);
    }
    return entries;
  }

  void write_fixtures() const {
    // A 10 x 4 table with a header, a 3-wide one, and a 4 -> 2 -> 4 model.
    std::string table = "a,b,c,d\n";
    for (int i = 0; i < 10; ++i) {
      table += std::to_string(i / 10.0) + "," + std::to_string(1 - i / 10.0) + "," +
               std::to_string((i % 3) / 3.0) + ",0.5\n";
    }
    put("t.csv", text(table));
    put("w3.csv", text("1,2,3\n4,5,6\n"));
    Autoencoder model(make_architecture(4, parse_layers("2:tanh,4:sigmoid")));
    Rng rng(3);
    model.initialize(Init::glorot_uniform, rng);
    save_model((dir_ / "m.safetensors").string(), model, ModelInfo{});

    // IDX and IDX.gz.
    Bytes pixels(12);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 20);
    const Bytes good_idx = idx(0x08, {3, 2, 2}, pixels);
    put("cut_header.idx", Bytes(good_idx.begin(), good_idx.begin() + 10));
    put("cut_payload.idx", Bytes(good_idx.begin(), good_idx.end() - 1));
    Bytes trailing = good_idx;
    trailing.push_back(0);
    put("trailing.idx", trailing);
    put("type.idx", idx(0x0A, {3, 4}, Bytes(12)));
    put("ndims.idx", {0, 0, 0x08, 0});
    put("zero_dim.idx", idx(0x08, {0, 4}, {}));
    put("huge.idx", idx(0x0E, {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {}));
    put("nan.idx", idx(0x0D, {1, 4}, {0x3f, 0x80, 0, 0, 0x3f, 0x80, 0, 0, 0x7f, 0xc0, 0, 0, 0, 0, 0, 0}));
    const Bytes gz = gzip(good_idx);
    put("cut.idx.gz", Bytes(gz.begin(), gz.end() - 10));
    Bytes corrupt = gz;
    for (std::size_t i = 10; i < 20; ++i) corrupt[i] ^= 0xff;
    put("corrupt.idx.gz", corrupt);
    Bytes gz_trailing = gz;
    gz_trailing.insert(gz_trailing.end(), {'j', 'u', 'n', 'k'});
    put("trailing.idx.gz", gz_trailing);
    put("inner.idx.gz", gzip(Bytes(good_idx.begin(), good_idx.end() - 1)));

    // NPY.
    const Bytes good_npy = npy(dict("<f4", "(2, 4)"), floats_le({0, 1, 2, 3, 4, 5, 6, 7}));
    put("cut_preamble.npy", Bytes(good_npy.begin(), good_npy.begin() + 8));
    put("cut_payload.npy", Bytes(good_npy.begin(), good_npy.end() - 2));
    Bytes npy_trailing = good_npy;
    npy_trailing.insert(npy_trailing.end(), 4, 0);
    put("trailing.npy", npy_trailing);
    Bytes version = good_npy;
    version[6] = 5;
    put("version.npy", version);
    Bytes header_len = good_npy;
    header_len[8] = header_len[9] = 0xff;
    put("header_len.npy", header_len);
    put("big_endian.npy", npy(dict(">f4", "(2, 4)"), Bytes(32)));
    put("fortran.npy", npy(dict("<f4", "(2, 4)", "True"), Bytes(32)));
    put("dtype.npy", npy(dict("<c8", "(2, 4)"), Bytes(64)));
    put("object.npy", npy(dict("|O", "(1, 4)"), Bytes(32)));
    put("3d.npy", npy(dict("<f4", "(2, 2, 2)"), Bytes(32)));
    put("zero.npy", npy(dict("<f4", "(0, 4)"), {}));
    put("key.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shapes': (2, 4), }", Bytes(32)));
    put("inf.npy", npy(dict("<f4", "(1, 4)"), floats_le({1, 2, 3, std::numeric_limits<float>::infinity()})));

    // CSV.
    put("ragged.csv", text("1,2,3,4\n5,6,7\n"));
    put("text.csv", text("1,2,3,4\n5,x,7,8\n"));
    put("nan.csv", text("1,2,3,4\n5,nan,7,8\n"));
    put("range.csv", text("1,2,3,1e39\n"));
    put("empty.csv", {});
    put("header_only.csv", text("a,b,c,d\n"));
    put("blank.csv", text("1,2,3,4\n\n5,6,7,8\n"));
    put("quote.csv", text("\"a,b,c,d\n1,2,3,4\n"));
    put("binary.dat", {1, 2, 0, 3, 'j', 'u', 'n', 'k'});

    // Model files: the good one taken apart and broken one way each.
    const Bytes model_bytes = get("m.safetensors");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = n << 8 | model_bytes[static_cast<std::size_t>(i)];
    const std::string header_text(model_bytes.begin() + 8, model_bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
    const Bytes data(model_bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n), model_bytes.end());
    const Json header = Json::parse(header_text);
    const auto edited = [&](const auto& edit, const Bytes& d) {
      Json h = header;
      edit(h);
      return safetensors(h.dump(), d);
    };
    put("short.safetensors", Bytes(model_bytes.begin(), model_bytes.begin() + 5));
    Bytes big = model_bytes;
    std::fill(big.begin(), big.begin() + 8, 0);
    big[5] = 1;  // 2^40
    put("header_big.safetensors", big);
    Bytes past = model_bytes;
    for (int i = 0; i < 8; ++i) past[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(std::uint64_t{model_bytes.size()} >> (8 * i));
    put("header_past.safetensors", past);
    put("json.safetensors", safetensors("{" + std::string(n - 1, ' '), data));
    put("cut.safetensors", Bytes(model_bytes.begin(), model_bytes.end() - 4));
    Bytes st_trailing = model_bytes;
    st_trailing.insert(st_trailing.end(), 4, 0);
    put("trailing.safetensors", st_trailing);
    put("f16.safetensors", edited([](Json& h) { h["layers.0.weight"]["dtype"] = "F16"; }, data));
    put("overlap.safetensors", edited([](Json& h) { h["layers.0.bias"]["data_offsets"] = {0, 8}; }, data));
    Bytes nan_data = data;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(nan_data.data() + nan_data.size() - 4, &nan, 4);
    put("nan.safetensors", safetensors(header_text, nan_data));
    std::string dup = header.dump();
    dup.insert(dup.size() - 1, ",\"layers.0.bias\":" + header["layers.0.bias"].dump());
    put("dup.safetensors", safetensors(dup, data));
    put("meta_number.safetensors", edited([](Json& h) { h["__metadata__"]["format"] = 3; }, data));
    put("format.safetensors", edited([](Json& h) { h["__metadata__"]["format"] = "pt"; }, data));
    put("version.safetensors", edited([](Json& h) { h["__metadata__"]["format_version"] = "9"; }, data));
    put("no_meta.safetensors", edited([](Json& h) { h.erase("__metadata__"); }, data));
    put("arch.safetensors", edited([](Json& h) { h["__metadata__"]["architecture"] = "{"; }, data));
    put("activation.safetensors", edited([](Json& h) {
          Json arch = Json::parse(h["__metadata__"]["architecture"].get<std::string>());
          arch["layers"][0]["activation"] = "swish";
          h["__metadata__"]["architecture"] = arch.dump();
        }, data));
    put("normalizer.safetensors", edited([](Json& h) { h["__metadata__"]["normalizer"] = "{\"kind\":\"zscore\"}"; }, data));
    put("crc.safetensors", edited([](Json& h) { h["__metadata__"]["data_crc32"] = "abc"; }, data));
    // layers.1.bias holds the last 16 data bytes; drop both.
    put("missing.safetensors", edited([](Json& h) { h.erase("layers.1.bias"); }, Bytes(data.begin(), data.end() - 16)));
    put("shape.safetensors", edited([](Json& h) { h["layers.0.weight"]["shape"] = {4, 2}; }, data));
    const auto architecture = [&](const auto& edit) {
      return edited([&](Json& h) {
        Json arch = Json::parse(h["__metadata__"]["architecture"].get<std::string>());
        edit(arch);
        h["__metadata__"]["architecture"] = arch.dump();
      }, data);
    };
    put("image_shape.safetensors", architecture([](Json& a) { a["image_shape"] = Json::parse("[4611686018427387905,4]"); }));
    put("deep.safetensors", architecture([](Json& a) {
          Json layers = Json::array();
          for (int i = 0; i < 1001; ++i) layers.push_back({{"width", 1}, {"activation", "linear"}});
          layers.push_back({{"width", 4}, {"activation", "sigmoid"}});
          a["layers"] = layers;
        }));
    put("crc_text.safetensors", edited([](Json& h) { h["__metadata__"]["data_crc32"] = "12abc"; }, data));
    std::string dup_meta = header.dump();
    dup_meta.insert(dup_meta.find("\"__metadata__\":{") + 16, "\"format\":\"pt\",");
    put("dup_meta.safetensors", safetensors(dup_meta, data));

    // Inputs and outputs.
    fs::create_symlink("t.csv", dir_ / "link.csv");
    ::mkfifo((dir_ / "fifo").c_str(), 0600);
    put("zeros.gz", gzip(Bytes(std::size_t{1} << 20, 0)));
    Bytes long_idx = idx(0x08, {2, 2}, Bytes(std::size_t{1} << 20, 0));
    put("long.idx.gz", gzip(long_idx));
    put("comma.csv", text("1,2,3,\n4,5,6,\n"));
    put("huge.csv", text("1e19,0,0,0\n0,1,0,0\n0,0,1,0\n"));
  }

};

TEST_F(Errors, EveryDocumentedBadInputGetsItsExitCodeOneLineAndNoOutput) {
  EXPECT_EQ(run_ae_in(dir_, "encode m.safetensors --data t.csv --out out/ok.npy").code, 0)
      << "the fixtures themselves must be good";
  fs::remove(dir_ / "out" / "ok.npy");
  const std::set<std::string> before = snapshot();
  for (const Row& row : kRows) {
    SCOPED_TRACE(std::string(row.name) + ": ae " + row.args);
    const CliRun run = run_ae_in(dir_, row.args);
    EXPECT_EQ(run.code, row.code) << run.err;
    // Warnings about the data (printed even with --quiet) may come first; the error is one line.
    std::string error = run.err;
    while (error.starts_with("ae: warning: ") || error.starts_with("ae: note: ")) error.erase(0, error.find('\n') + 1);
    EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << run.err;
    EXPECT_TRUE(error.starts_with("ae: ") && error.ends_with("\n")) << run.err;
    EXPECT_EQ(snapshot(), before) << "the run changed the folder";
  }
}

}  // namespace
}  // namespace ae
