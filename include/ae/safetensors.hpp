// safetensors files: 8-byte little-endian header length, a JSON header, raw little-endian
// tensor data. We write and read F32 tensors and a string-to-string __metadata__ map; the
// reader validates everything the reference loader validates, plus finiteness. Model
// semantics (tensor names, metadata keys) live in model_file, not here.
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace ae {

struct Tensor {
  std::string name;
  std::vector<std::size_t> shape;
  std::vector<float> values;  // product(shape) values, row-major
};

struct TensorFile {
  std::map<std::string, std::string> metadata;
  std::vector<Tensor> tensors;  // written in this order; read back sorted by data offset

  // The tensor called `name`, or nullptr.
  const Tensor* find(const std::string& name) const;
};

// Writes atomically (AtomicFile): tensors in the given order, contiguous, the JSON header
// padded with spaces to a multiple of 8 bytes so the data is 8-byte aligned; __metadata__ is
// left out when empty. Throws Error(usage) for a tensor whose values do not match its shape,
// a duplicate, empty or "__metadata__" name, a NaN or Inf value or a header over 100 MB (the
// reader would refuse the file) or text that is not UTF-8; Error(cannot_create / io) for file problems.
void write_safetensors(const std::string& path, const TensorFile& file);

// Throws Error(missing_input) when the file cannot be opened and Error(bad_data) naming the
// file and the problem for anything malformed: short file, header length over 100 MB or past
// the end, bad JSON, non-object entries, missing keys, negative or non-integer shape or
// offsets, unknown or non-F32 dtype, shape/offset mismatch, overlapping or non-contiguous
// data, trailing bytes, duplicate names, non-string metadata, NaN or Inf values. A scalar
// (shape []) holds one value; a dimension of 0 is allowed. Unknown keys in an entry are
// ignored, as the reference loader does.
TensorFile read_safetensors(const std::string& path);
// The same checks on bytes already in memory; `path` only names the source in messages.
TensorFile parse_safetensors(const std::vector<unsigned char>& bytes, const std::string& path);

}  // namespace ae
