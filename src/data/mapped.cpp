// map_data: the rows of an uncompressed uint8 NPY or IDX file used in place, through a
// read-only mapping of the file, so that training can take data larger than memory (the page
// cache holds what is in use). Everything else is read whole by load_data.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

constexpr std::size_t kHead = 65536 + 16;  // any NPY v1.0 header fits

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
  std::vector<std::uint8_t> head;
  std::uint64_t size = 0;
  {
    InputFile file(path);  // refuses FIFOs, devices and folders, as every reader does
    if (file.stream()) return load_data(path);
    size = file.size();
    head.resize(static_cast<std::size_t>(std::min<std::uint64_t>(size, kHead)));
    head.resize(file.read_at(head.data(), head.size(), 0));
  }
  const bool gzip = head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
  const DataFormat format = gzip ? DataFormat::csv : detect_format(head);
  if (format == DataFormat::csv) return load_data(path);
  const detail::RawLayout layout = format == DataFormat::npy ? detail::npy_layout(head, size, path)
                                                             : detail::idx_layout(head, size, path);
  if (!layout.bytes || layout.rows == 0) return load_data(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::missing_input, path + ": cannot open: " + std::strerror(errno));
  struct stat info {};
  auto mapping = std::make_shared<Mapping>();
  if (::fstat(fd, &info) != 0 || static_cast<std::uint64_t>(info.st_size) != size) {
    ::close(fd);
    throw Error(ErrorKind::bad_data, path + ": the file changed while being opened");
  }
  mapping->size = static_cast<std::size_t>(size);
  mapping->at = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (mapping->at == MAP_FAILED) {
    throw Error(ErrorKind::io, path + ": cannot map the file (" + std::strerror(map_errno) + "); it is " +
                                   std::to_string(size) + " bytes");
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
