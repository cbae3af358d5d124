// Every file ae writes goes through AtomicFile: the bytes go to a temporary file in the
// target's folder, every write is checked, then fsync and rename. A crash or error leaves
// the old file (or none), never half of a new one. Does not lock against other writers.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace ae {

class AtomicFile {
 public:
  // Creates the temporary file; throws Error(cannot_create) naming `path` on failure.
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Removes the temporary file unless commit() succeeded.
  ~AtomicFile();

  // Appends bytes; throws Error(io) (disk full, size limit) naming the target path.
  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // fsync, close and rename over the target; throws Error(io) on failure.
  void commit();

  const std::string& path() const { return path_; }

 private:
  void fail(const std::string& what);

  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes a whole file at once through AtomicFile.
void write_file_atomic(const std::string& path, std::string_view bytes);

}  // namespace ae
