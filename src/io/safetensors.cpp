// safetensors reading and writing for F32 tensors: header length, JSON header, raw data.
// The reader checks every structural rule of the reference loader before it copies a value,
// so a lying header never causes a large allocation or a read past the buffer. Names of model
// tensors and metadata keys are model_file's business, not this file's.
#include "ae/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <nlohmann/json.hpp>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "ae/input_file.hpp"

namespace ae {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; this code copies floats as they lie in memory");
static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559);

// Ordered, so entries keep their order in the file and ties in offset keep it when sorted.
using Json = nlohmann::ordered_json;

constexpr std::uint64_t max_header_bytes = 100'000'000;  // the reference loader's bound
constexpr std::uint64_t length_bytes = 8;                // the u64 header length before the JSON
constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();

[[noreturn]] void fail(ErrorKind kind, const std::string& path, const std::string& problem) {
  throw Error(kind, path + ": " + problem);
}

[[noreturn]] void bad(const std::string& path, const std::string& problem) {
  fail(ErrorKind::bad_data, path, problem);
}

// The number of values a tensor of this shape holds (1 for shape []), or false on overflow.
bool value_count(const std::vector<std::size_t>& shape, std::uint64_t& count) {
  count = 1;
  for (const std::size_t dim : shape) {
    if (dim != 0 && count > max_u64 / dim) return false;
    count *= dim;
  }
  return true;
}

// Dtype names the safetensors format defines; only F32 is accepted, the rest are named as
// unsupported rather than unknown so the message says what the file holds.
bool is_safetensors_dtype(const std::string& dtype) {
  static const std::set<std::string> known = {
      "BOOL", "U8",   "I8",   "U16",  "I16",     "F16",     "BF16",    "U32",
      "I32",  "F32",  "U64",  "I64",  "F64",     "C64",     "F8_E5M2", "F8_E4M3",
      "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4"};
  return known.count(dtype) > 0;
}

std::string describe_nonfinite(float value) {
  return std::isnan(value) ? "NaN" : (value > 0 ? "+Inf" : "-Inf");
}

// One tensor entry of the header, checked for form but not yet against the buffer.
struct Entry {
  std::string name;
  std::vector<std::size_t> shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

// A non-negative JSON integer; floats (even 2.0), negatives and strings are refused.
bool as_index(const Json& value, std::uint64_t& out) {
  if (!value.is_number_unsigned()) return false;
  out = value.get<std::uint64_t>();
  return true;
}

Entry parse_entry(const std::string& path, const std::string& name, const Json& value) {
  const std::string where = "tensor '" + name + "': ";
  if (!value.is_object()) {
    bad(path, where + "header entry is a JSON " + std::string(value.type_name()) +
                  ", expected an object with dtype, shape and data_offsets");
  }
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(key)) bad(path, where + "header entry has no \"" + key + "\"");
  }

  const Json& dtype = value.at("dtype");
  if (!dtype.is_string()) bad(path, where + "dtype is not a string");
  const auto& dtype_name = dtype.get_ref<const std::string&>();
  if (dtype_name != "F32") {
    if (is_safetensors_dtype(dtype_name)) {
      bad(path, where + "dtype " + dtype_name + " not supported, only F32");
    }
    bad(path, where + "unknown dtype '" + dtype_name + "', only F32 is supported");
  }

  Entry entry;
  entry.name = name;
  const Json& shape = value.at("shape");
  if (!shape.is_array()) bad(path, where + "shape is not a list");
  for (const Json& dim : shape) {
    std::uint64_t n = 0;
    if (!as_index(dim, n)) {
      bad(path, where + "shape " + shape.dump() + " is not a list of non-negative integers");
    }
    entry.shape.push_back(static_cast<std::size_t>(n));
  }

  const Json& offsets = value.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !as_index(offsets[0], entry.begin) ||
      !as_index(offsets[1], entry.end)) {
    bad(path, where + "data_offsets " + offsets.dump() +
                  " is not a pair [begin, end] of non-negative integers");
  }
  if (entry.begin > entry.end) {
    bad(path, where + "data_offsets " + offsets.dump() + " ends before it begins");
  }

  std::uint64_t count = 0;
  if (!value_count(entry.shape, count) || count > max_u64 / sizeof(float)) {
    bad(path, where + "shape " + shape.dump() + " is too large");
  }
  if (entry.end - entry.begin != count * sizeof(float)) {
    bad(path, where + "shape " + shape.dump() + " needs " + std::to_string(count * sizeof(float)) +
                  " bytes of F32 but data_offsets " + offsets.dump() + " span " +
                  std::to_string(entry.end - entry.begin));
  }
  return entry;
}

// Parses the header text; tensor names that appear twice are refused (a JSON object would
// otherwise keep only the last one silently).
Json parse_header(const std::string& path, const unsigned char* text, std::size_t size) {
  if (size == 0 || text[0] != '{') bad(path, "header does not start with '{'");
  // Names at the top level and keys inside __metadata__ (depth 2 below it), each set
  // cleared when its object opens.
  std::set<std::string> keys, metadata_keys;
  std::string duplicate, top_key;
  const Json::parser_callback_t note_duplicates = [&](int depth, Json::parse_event_t event,
                                                      Json& parsed) {
    if (event != Json::parse_event_t::key || !duplicate.empty()) return true;
    const std::string& key = parsed.get_ref<const std::string&>();
    if (depth == 1) {
      top_key = key;
      if (key == "__metadata__") metadata_keys.clear();
      if (!keys.insert(key).second) duplicate = key;
    } else if (depth == 2 && top_key == "__metadata__" && !metadata_keys.insert(key).second) {
      duplicate = "__metadata__." + key;
    }
    return true;
  };
  Json header;
  try {
    header = Json::parse(text, text + size, note_duplicates);
  } catch (const Json::exception& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep line, column and reason.
    if (const auto tag_end = what.find("] "); !what.empty() && what[0] == '[' &&
                                             tag_end != std::string::npos) {
      what.erase(0, tag_end + 2);
    }
    bad(path, "header is not valid JSON: " + what);
  }
  if (!header.is_object()) bad(path, "header is a JSON " + std::string(header.type_name()) +
                                         ", expected an object");
  if (!duplicate.empty()) bad(path, "header names '" + duplicate + "' twice");
  return header;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const Json& value) {
  if (!value.is_object()) {
    bad(path, "__metadata__ is a JSON " + std::string(value.type_name()) +
                  ", expected an object of strings");
  }
  std::map<std::string, std::string> metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      bad(path, "__metadata__ value for '" + key + "' is a JSON " +
                    std::string(item.type_name()) + ", expected a string");
    }
    metadata[key] = item.get<std::string>();
  }
  return metadata;
}

}  // namespace

const Tensor* TensorFile::find(const std::string& name) const {
  for (const Tensor& tensor : tensors) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

namespace {

constexpr std::uint64_t unknown = max_u64;  // the size of a pipe

// The u64 header length at the start of a file of `file_size` bytes (unknown for a pipe),
// checked against the 100 MB bound and the file size.
std::uint64_t header_length(const unsigned char* first, std::uint64_t available,
                            std::uint64_t file_size, const std::string& path) {
  if (available < length_bytes) {
    bad(path, "file is " + std::to_string(available) +
                  " bytes, too short for the 8-byte header length (not a safetensors file?)");
  }
  std::uint64_t header_size = 0;
  for (std::size_t i = 0; i < length_bytes; ++i) {
    header_size |= static_cast<std::uint64_t>(first[i]) << (8 * i);
  }
  if (header_size > max_header_bytes) {
    bad(path, "header length " + std::to_string(header_size) + " exceeds the limit of " +
                  std::to_string(max_header_bytes) + " bytes (not a safetensors file?)");
  }
  if (file_size != unknown && header_size > file_size - length_bytes) {
    bad(path, "header length " + std::to_string(header_size) + " runs past the end of the " +
                  std::to_string(file_size) + "-byte file (truncated?)");
  }
  return header_size;
}

// What the header says: metadata, and the tensors in data order, checked to cover the data
// buffer exactly once. `data_size` is the number of bytes after the header when known (a
// regular file); for a pipe it is left to the reader to find the data as long as the header
// says.
struct Layout {
  std::map<std::string, std::string> metadata;
  std::vector<Entry> entries;
  std::uint64_t data_size = 0;
};

Layout parse_layout(const unsigned char* text, std::uint64_t header_size,
                    std::uint64_t data_size, const std::string& path) {
  const Json header = parse_header(path, text, static_cast<std::size_t>(header_size));
  Layout layout;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      layout.metadata = parse_metadata(path, value);
    } else {
      layout.entries.push_back(parse_entry(path, key, value));
    }
  }
  std::stable_sort(layout.entries.begin(), layout.entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t covered = 0;
  for (const Entry& entry : layout.entries) {
    const std::string where = "tensor '" + entry.name + "': data_offsets [" +
                              std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                              "] ";
    if (entry.begin < covered) {
      bad(path, where + "overlap the previous tensor, which ends at " + std::to_string(covered));
    }
    if (entry.begin > covered) {
      bad(path, where + "leave a gap after byte " + std::to_string(covered) +
                    " of the data buffer");
    }
    if (entry.end > data_size) {
      bad(path, where + "run past the end of the " + std::to_string(data_size) +
                    "-byte data buffer (truncated file?)");
    }
    covered = entry.end;
  }
  if (data_size != unknown && covered != data_size) {
    bad(path, std::to_string(data_size - covered) +
                  " trailing bytes after the last tensor's data (the header describes " +
                  std::to_string(covered) + " data bytes)");
  }
  layout.data_size = covered;
  return layout;
}

// The tensors of `layout`, their values read in data order by `read(destination, bytes)`,
// each checked to be finite.
template <class Read>
TensorFile fill(Layout&& layout, const std::string& path, Read read) {
  TensorFile result;
  result.metadata = std::move(layout.metadata);
  result.tensors.reserve(layout.entries.size());
  for (Entry& entry : layout.entries) {
    Tensor tensor;
    tensor.name = std::move(entry.name);
    tensor.shape = std::move(entry.shape);
    tensor.values.resize(static_cast<std::size_t>((entry.end - entry.begin) / sizeof(float)));
    read(tensor.values.data(), entry.begin, tensor.values.size() * sizeof(float));
    for (std::size_t i = 0; i < tensor.values.size(); ++i) {
      if (!std::isfinite(tensor.values[i])) {
        bad(path, "tensor '" + tensor.name + "': value " + std::to_string(i) + " is " +
                      describe_nonfinite(tensor.values[i]) +
                      " (the model was saved after training diverged?)");
      }
    }
    result.tensors.push_back(std::move(tensor));
  }
  return result;
}

}  // namespace

TensorFile parse_safetensors(const std::vector<unsigned char>& bytes, const std::string& path) {
  const std::uint64_t file_size = bytes.size();
  const std::uint64_t header_size = header_length(bytes.data(), file_size, file_size, path);
  const std::uint64_t data_start = length_bytes + header_size;
  Layout layout = parse_layout(bytes.data() + length_bytes, header_size, file_size - data_start, path);
  return fill(std::move(layout), path, [&](float* to, std::uint64_t begin, std::size_t size) {
    if (size > 0) std::memcpy(to, bytes.data() + data_start + begin, size);
  });
}

TensorFile read_safetensors(const std::string& path) {
  // In stages, each sized by what the previous one checked: the length, the header, then
  // exactly the data the header describes. A large file that is not a safetensors file is
  // refused after 8 bytes.
  InputFile file(path);
  const std::uint64_t file_size = file.stream() ? unknown : file.size();
  unsigned char first[length_bytes];
  const std::size_t got = file.read(first, sizeof first);
  const std::uint64_t header_size = header_length(first, got, file_size, path);
  std::vector<unsigned char> text(static_cast<std::size_t>(header_size));
  if (file.read(text.data(), text.size()) != text.size()) {
    bad(path, "header length " + std::to_string(header_size) + " runs past the end of the file (truncated?)");
  }
  const std::uint64_t data_size = file_size == unknown ? unknown : file_size - length_bytes - header_size;
  Layout layout = parse_layout(text.data(), header_size, data_size, path);
  text = {};
  const std::uint64_t described = layout.data_size;
  TensorFile result = fill(std::move(layout), path, [&](float* to, std::uint64_t begin, std::size_t size) {
    if (file.read(to, size) != size) {
      bad(path, "the data ends before byte " + std::to_string(begin + size) + " of the " +
                    std::to_string(described) + " the header describes (truncated file?)");
    }
  });
  unsigned char extra = 0;
  if (file.read(&extra, 1) != 0) {
    bad(path, "trailing bytes after the last tensor's data (the header describes " +
                  std::to_string(described) + " data bytes)");
  }
  return result;
}

void write_safetensors(const std::string& path, const TensorFile& file) {
  Json header = Json::object();
  if (!file.metadata.empty()) {
    auto& metadata = header["__metadata__"] = Json::object();
    for (const auto& [key, value] : file.metadata) metadata[key] = value;
  }

  std::set<std::string> names;
  std::uint64_t offset = 0;
  for (const Tensor& tensor : file.tensors) {
    const std::string where = "tensor '" + tensor.name + "': ";
    if (tensor.name.empty() || tensor.name == "__metadata__") {
      fail(ErrorKind::usage, path, "tensor name '" + tensor.name + "' is reserved or empty");
    }
    if (!names.insert(tensor.name).second) {
      fail(ErrorKind::usage, path, where + "name appears twice");
    }
    std::uint64_t count = 0;
    if (!value_count(tensor.shape, count) || count != tensor.values.size()) {
      fail(ErrorKind::usage, path, where + "has " + std::to_string(tensor.values.size()) +
                                       " values, which does not match its shape");
    }
    for (std::size_t i = 0; i < tensor.values.size(); ++i) {
      if (!std::isfinite(tensor.values[i])) {
        fail(ErrorKind::usage, path, where + "value " + std::to_string(i) + " is " +
                                         describe_nonfinite(tensor.values[i]) +
                                         "; the file could not be read back");
      }
    }
    const std::uint64_t size = count * sizeof(float);
    header[tensor.name] = {{"dtype", "F32"},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + size}}};
    offset += size;
  }

  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {
    fail(ErrorKind::usage, path, std::string("a tensor name or metadata text is not UTF-8: ") +
                                     e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // 8 + header is a multiple of 8: data aligned
  if (text.size() > max_header_bytes) {
    fail(ErrorKind::usage, path, "header of " + std::to_string(text.size()) + " bytes is over the " +
                                     std::to_string(max_header_bytes) +
                                     " that readers accept; the file could not be read back, so it is not written");
  }

  unsigned char length[length_bytes];
  for (std::size_t i = 0; i < length_bytes; ++i) {
    length[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(text.size()) >> (8 * i));
  }
  AtomicFile out(path);
  out.write(length, sizeof length);
  out.write(text);
  for (const Tensor& tensor : file.tensors) {
    out.write(tensor.values.data(), tensor.values.size() * sizeof(float));
  }
  out.commit();
}

}  // namespace ae
