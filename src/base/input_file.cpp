// InputFile: opened without blocking, kind checked by fstat, then switched to blocking reads.
#include "ae/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "ae/error.hpp"

namespace ae {
namespace {

// True when `path` is a link to a pipe this process holds open (/dev/fd/N, /proc/self/fd/N):
// its writer exists or has finished, so reading ends.
bool is_open_pipe(const std::string& path) {
  std::string at = path;
  for (int hop = 0; hop < 8; ++hop) {  // /dev/stdin -> /proc/self/fd/0 -> pipe:[N]
    char target[4096];
    const ssize_t n = ::readlink(at.c_str(), target, sizeof target);
    if (n <= 0) return false;
    const std::string_view link(target, static_cast<std::size_t>(n));
    if (link.starts_with("pipe:[")) return true;
    if (!link.starts_with('/')) return false;
    at = link;
  }
  return false;
}

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory, not a file";
  if (S_ISFIFO(mode)) return "is a named pipe (FIFO), not a file; save the data to a file, or pass <(command)";
  if (S_ISCHR(mode)) return "is a character device, not a file";
  if (S_ISBLK(mode)) return "is a block device, not a file";
  if (S_ISSOCK(mode)) return "is a socket, not a file";
  return "is not a regular file";
}

}  // namespace

InputFile::InputFile(const std::string& path) : path_(path) {
  // O_NONBLOCK: opening a FIFO that has no writer returns at once instead of waiting.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd_ < 0) throw Error(ErrorKind::missing_input, path + ": cannot open: " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const int err = errno;
    ::close(fd_);
    throw Error(ErrorKind::io, path + ": cannot read file kind: " + std::strerror(err));
  }
  stream_ = S_ISFIFO(info.st_mode) && is_open_pipe(path);
  if (!S_ISREG(info.st_mode) && !stream_) {
    ::close(fd_);
    throw Error(ErrorKind::missing_input, path + ": " + kind_of(info.st_mode));
  }
  size_ = stream_ ? 0 : static_cast<std::uint64_t>(info.st_size);
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
}

InputFile::~InputFile() { ::close(fd_); }

std::size_t InputFile::read(void* buffer, std::size_t size) {
  auto* bytes = static_cast<unsigned char*>(buffer);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd_, bytes + done, std::min<std::size_t>(size - done, std::size_t{1} << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw Error(ErrorKind::io, path_ + ": read failed after " + std::to_string(done) + " bytes: " + std::strerror(errno));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

std::size_t InputFile::read_at(void* buffer, std::size_t size, std::uint64_t offset) {
  auto* bytes = static_cast<unsigned char*>(buffer);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd_, bytes + done, std::min<std::size_t>(size - done, std::size_t{1} << 30),
                              static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw Error(ErrorKind::io, path_ + ": read failed at byte " + std::to_string(offset + done) + ": " +
                                     std::strerror(errno));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

}  // namespace ae
