// map_data: the rows of an uncompressed uint8 NPY or IDX file used in place, through a
// read-only mapping of the file, so that training can take data larger than memory (the page
// cache holds what is in use). Everything else is read whole by load_data.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/input_file.hpp"
#include "data/raw_layout.hpp"

namespace ae {
namespace {

// A read-only mapping of a whole file, unmapped with its last owner.
struct Mapping {
  void* at = MAP_FAILED;
  std::size_t size = 0;
  ~Mapping() {
    if (at != MAP_FAILED) ::munmap(at, size);
  }
};

}  // namespace

Dataset map_data(const std::string& path) {
  InputFile file(path);  // refuses FIFOs, devices and folders, as every reader does
  const std::vector<std::uint8_t> head = detail::read_head(file);
  const DataFormat format = file.stream() || detail::is_gzip(head) ? DataFormat::csv : detect_format(head);
  if (format == DataFormat::csv) return load_data(path);
  const detail::RawLayout layout = format == DataFormat::npy ? detail::npy_layout(head, file.size(), path)
                                                             : detail::idx_layout(head, file.size(), path);
  if (!layout.bytes || layout.rows == 0) return load_data(path);
  // The size at opening, whose payload the header checks have just matched.
  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<std::size_t>(file.size());
  mapping->at = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, file.descriptor(), 0);
  if (mapping->at == MAP_FAILED) {
    throw Error(ErrorKind::io, path + ": cannot map the file (" + std::strerror(errno) + "); it is " +
                                   std::to_string(mapping->size) + " bytes");
  }
  Dataset d;
  d.rows = layout.rows;
  d.cols = layout.cols;
  d.byte_data = true;
  d.image_shape = layout.image_shape;
  d.source = path;
  d.mapped_bytes = static_cast<const std::uint8_t*>(mapping->at) + layout.offset;
  d.mapping = std::move(mapping);
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
