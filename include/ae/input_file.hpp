// Opening an input file for reading: the kind of file is checked before anything is read, so
// a FIFO without a writer or an endless device (/dev/zero) cannot block or flood a reader.
// Regular files are read; so is a pipe handed over already open (/dev/fd/N, as a shell's
// `<(command)` gives), up to a size the caller sets. Reading and parsing are the callers'.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace ae {

class InputFile {
 public:
  // Throws Error(missing_input) naming `path` when it does not exist or cannot be opened, is
  // a folder, a named FIFO, a device or a socket.
  explicit InputFile(const std::string& path);
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  // Reads up to `size` bytes (fewer only at the end of the file); throws Error(io) on a read
  // error.
  std::size_t read(void* buffer, std::size_t size);
  // Reads up to `size` bytes from byte `offset` of a regular file on, without moving the
  // position read() uses (fewer only at the end of the file); throws Error(io) on a read error.
  std::size_t read_at(void* buffer, std::size_t size, std::uint64_t offset);
  // True for a pipe, whose size is not known ahead.
  bool stream() const { return stream_; }
  // The size of a regular file at opening (0 for a pipe).
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // The open descriptor (for mapping the file); the object keeps owning it.
  int descriptor() const { return fd_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool stream_ = false;
  std::uint64_t size_ = 0;
};

}  // namespace ae
