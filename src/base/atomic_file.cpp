// AtomicFile: temp file beside the target, checked writes, fsync, rename, fsync of the folder.
#include "ae/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <filesystem>

#include "ae/error.hpp"

namespace ae {
namespace {

std::string folder_of(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const auto name = std::filesystem::path(path_).filename().string();
  if (name.empty()) throw Error(ErrorKind::cannot_create, path_ + ": not a file name");
  std::string pattern = folder_of(path_) + "/." + name + ".tmp.XXXXXX";
  fd_ = ::mkstemp(pattern.data());
  if (fd_ < 0) {
    throw Error(ErrorKind::cannot_create,
                path_ + ": cannot create output file: " + std::strerror(errno));
  }
  temp_path_ = pattern;
  ::fchmod(fd_, 0644);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicFile::fail(const std::string& what) {
  const std::string reason = std::strerror(errno);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_path_.c_str());
  temp_path_.clear();
  throw Error(ErrorKind::io, path_ + ": " + what + ": " + reason + " (the old file, if any, is unchanged)");
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (fd_ < 0) throw Error(ErrorKind::internal, path_ + ": write after commit or failure");
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      fail("write failed");
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw Error(ErrorKind::internal, path_ + ": commit after commit or failure");
  if (::fsync(fd_) != 0) fail("fsync failed");
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("close failed");
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("rename failed");
  committed_ = true;
  const int dir = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace ae
