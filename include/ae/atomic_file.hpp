// Every file ae writes goes through AtomicFile: the bytes go to a temporary file in the
// target's folder, every write is checked, then fsync and rename. A crash or error leaves
// the old file (or none), never half of a new one. A symlink is written through to its
// target (the temporary file lies beside the target); a device or pipe is written directly,
// since it cannot be replaced by a rename. Does not lock against other writers.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace ae {

class AtomicFile {
 public:
  // Creates the temporary file (mode 0666 less the umask, or the old file's mode when it
  // replaces one) after removing stale temporary files of the same target left by killed
  // processes. Throws Error(cannot_create) naming `path` when the folder is missing or not
  // writable or `path` is a folder.
  explicit AtomicFile(std::string path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Removes the temporary file unless commit() succeeded.
  ~AtomicFile();

  // Appends bytes; throws Error(io) (disk full, size limit) naming the target path.
  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  // fsync, close and rename over the target (close only, for a device or pipe); throws
  // Error(io) on failure.
  void commit();

  const std::string& path() const { return path_; }

 private:
  void fail(const std::string& what);
  void forget_temp();

  std::string path_;       // as given, for messages
  std::string target_;     // the file the rename replaces: path_ with symlinks followed
  std::string temp_path_;  // empty when writing directly or once renamed
  int fd_ = -1;
  int slot_ = -1;  // this file's entry in the list remove_temporary_files_then() reads
  bool committed_ = false;
};

// Writes a whole file at once through AtomicFile.
void write_file_atomic(const std::string& path, std::string_view bytes);

// Checks, without creating anything, that AtomicFile(path) could write there: the path is
// not a folder, and its folder (the symlink target's folder) exists and is writable, or the
// path is an existing device or pipe. Throws Error(cannot_create) naming the path otherwise.
void check_output_path(const std::string& path);

// For a signal handler that ends the process: removes every temporary file an AtomicFile of
// this process has open, then calls end(code), which ends the process (at once, or as the
// handler it was called from returns, for a signal raised again with its default action).
// If another thread is creating a temporary file at that moment, it returns at once instead,
// and that thread, as soon as its file is listed, removes them all and calls end(code).
// Async-signal-safe.
void remove_temporary_files_then(void (*end)(int), int code) noexcept;

// The temporary file name AtomicFile uses for `target` in its folder, for process `pid`,
// with `tag` for uniqueness: ".NAME.tmp.PID-HOST-TAG", NAME shortened so that the whole
// stays within 255 bytes. HOST is a hash of the host name. For tests and tools.
std::string temporary_name(const std::string& target, long pid, std::string_view tag);

}  // namespace ae
