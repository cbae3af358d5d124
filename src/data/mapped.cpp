// map_data: the rows of an uncompressed uint8 NPY or IDX file used in place, through a
// read-only mapping of the file, so that training can take data larger than memory (the page
// cache holds what is in use). Everything else is read whole by load_data.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/input_file.hpp"
#include "data/raw_layout.hpp"

namespace ae {
namespace {

// The live mappings, for mapped_file_at: a fixed table read by a signal handler, so no locks
// and no allocation while it reads. A mapping beyond kSlots at once is simply not listed.
constexpr std::size_t kSlots = 64;
struct Slot {
  std::atomic<const char*> path{nullptr};  // set last, cleared first
  std::atomic<std::uintptr_t> begin{0}, end{0};
};
Slot slots[kSlots];

// A read-only mapping, unmapped with its last owner, listed while it lives.
struct Mapping {
  void* at = MAP_FAILED;
  std::size_t size = 0;
  std::string path;
  Slot* slot = nullptr;

  void list() {
    for (Slot& s : slots) {
      const char* empty = nullptr;
      // Claim the slot with a placeholder, then publish the range and the path.
      if (!s.path.compare_exchange_strong(empty, "")) continue;
      s.begin.store(reinterpret_cast<std::uintptr_t>(at));
      s.end.store(reinterpret_cast<std::uintptr_t>(at) + size);
      s.path.store(path.c_str());
      slot = &s;
      return;
    }
  }
  ~Mapping() {
    if (slot != nullptr) {
      slot->begin.store(0);
      slot->end.store(0);
      slot->path.store(nullptr);
    }
    if (at != MAP_FAILED) ::munmap(at, size);
  }
};

}  // namespace

const char* mapped_file_at(const void* address) noexcept {
  const auto a = reinterpret_cast<std::uintptr_t>(address);
  for (const Slot& s : slots) {
    const char* path = s.path.load();
    if (path != nullptr && *path != '\0' && a >= s.begin.load() && a < s.end.load()) return path;
  }
  return nullptr;
}

detail::MappedBytes detail::map_bytes(const InputFile& file, std::uint64_t offset, std::size_t length,
                                      bool populate) {
  // A mapping past the end of the file would fault when read: check the size now (a file
  // shortened later still would; the file must not change while it is read).
  struct stat st {};
  if (::fstat(file.descriptor(), &st) != 0 || static_cast<std::uint64_t>(st.st_size) < offset + length) {
    throw Error(ErrorKind::bad_data, file.path() + ": the file ended early (it changed while being read)");
  }
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t start = offset / page * page;
  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<std::size_t>(offset - start) + length;
  mapping->at = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0),
                       file.descriptor(), static_cast<off_t>(start));
  if (mapping->at == MAP_FAILED) return {};
  mapping->path = file.path();
  mapping->list();
  const auto* data = static_cast<const std::uint8_t*>(mapping->at) + (offset - start);
  return {std::move(mapping), data};
}

Dataset map_data(const std::string& path) {
  InputFile file(path);  // refuses FIFOs, devices and folders, as every reader does
  const std::vector<std::uint8_t> head = detail::read_head(file);
  const DataFormat format = file.stream() || detail::is_gzip(head) ? DataFormat::csv : detect_format(head);
  if (format == DataFormat::csv) return load_data(path);
  const detail::RawLayout layout = format == DataFormat::npy ? detail::npy_layout(head, file.size(), path)
                                                             : detail::idx_layout(head, file.size(), path);
  if (!layout.bytes || layout.rows == 0) return load_data(path);
  // The payload, whose size the header checks have just matched.
  detail::MappedBytes mapped = detail::map_bytes(file, layout.offset, layout.rows * layout.cols, false);
  if (!mapped.owner) {
    throw Error(ErrorKind::io, path + ": cannot map the file (" + std::strerror(errno) + "); it is " +
                                   std::to_string(file.size()) + " bytes");
  }
  Dataset d;
  d.rows = layout.rows;
  d.cols = layout.cols;
  d.byte_data = true;
  d.image_shape = layout.image_shape;
  d.source = path;
  d.mapped_bytes = mapped.data;
  d.mapping = std::move(mapped.owner);
  return d;
}

void advise_row_access(const Dataset& data, RowAccess access) {
  if (data.mapped_bytes == nullptr) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(data.mapped_bytes);
  const std::uintptr_t begin = first / page * page, end = first + data.rows * data.cols;
  // Advice only: where the kernel does not take it, rows are read all the same.
  (void)::madvise(reinterpret_cast<void*>(begin), end - begin, access == RowAccess::shuffled ? MADV_RANDOM : MADV_NORMAL);
}

}  // namespace ae
