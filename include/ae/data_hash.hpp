// Fingerprints of data: which rows a model was trained on (CRC-32, stored in model files) and
// which rows a checkpointed run used (FNV-1a 64 over shape, kind and bytes, compared on resume).
// Not cryptographic: they catch a different file, not a forged one.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ae/data.hpp"

namespace ae {

// CRC-32 (zlib's) of the bytes, continuing from `crc`.
std::uint32_t crc32_of(const void* data, std::size_t size, std::uint32_t crc = 0);
// CRC-32 of a data set's stored values: the bytes of byte data, else the float values.
std::uint32_t data_crc32(const Dataset& data);

// FNV-1a, 64 bits, continuing from `hash`.
constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
std::uint64_t fnv1a64(const void* data, std::size_t size, std::uint64_t hash = kFnvOffset);
// Of the training rows (shape, kind and bytes) and, when given, the validation rows.
std::uint64_t training_data_hash(const Dataset& train, const Dataset* validation);

}  // namespace ae
