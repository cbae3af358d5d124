// AtomicFile: temp file beside the target, checked writes, fsync, rename, fsync of the folder;
// symlinks followed to their target, devices and pipes written directly, the old mode kept,
// stale temporary files of killed runs removed, temporary files listed for signal handlers.
#include "ae/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "ae/error.hpp"

namespace ae {
namespace {

constexpr std::size_t kNameMax = 255;  // NAME_MAX of Linux file systems
constexpr int kMaxLinks = 40;          // as the kernel's ELOOP limit

std::string folder_of(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string name_of(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string reason() { return std::strerror(errno); }

// `path` with symlinks in its last component followed (a dangling link gives the path it
// points to, where the file will be created). Folders on the way are left as they are.
std::string follow_links(const std::string& path) {
  std::string at = path;
  for (int hop = 0; hop < kMaxLinks; ++hop) {
    struct stat info {};
    if (::lstat(at.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return at;
    std::string link(PATH_MAX, '\0');
    const ssize_t n = ::readlink(at.c_str(), link.data(), link.size());
    if (n < 0) return at;
    link.resize(static_cast<std::size_t>(n));
    at = link.starts_with('/') ? link : folder_of(at) + "/" + link;
  }
  errno = ELOOP;
  throw Error(ErrorKind::cannot_create, path + ": cannot create output file: " + reason());
}

// FNV-1a of the host name as 8 hex digits: tells this machine's temporary files from those
// of another machine sharing the folder, whose process ids mean nothing here.
std::string host_tag() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::uint32_t h = 2166136261u;
  for (const char* c = host; *c != '\0'; ++c) h = (h ^ static_cast<unsigned char>(*c)) * 16777619u;
  char hex[9];
  const auto r = std::to_chars(hex, hex + 8, h, 16);
  return std::string(static_cast<std::size_t>(8 - (r.ptr - hex)), '0') + std::string(hex, r.ptr);
}

std::string random_tag() {
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t x = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                    (counter.fetch_add(1) + 1) * 0x9E3779B97F4A7C15ull;
  constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string tag;
  for (int i = 0; i < 6; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    tag.push_back(kAlphabet[(x >> 33) % 36]);
  }
  return tag;
}

// The part of a temporary name before the process id: ".NAME.tmp.", NAME cut so that the
// whole name, with the longest id and tag, fits in kNameMax bytes.
std::string temp_prefix(const std::string& name) {
  constexpr std::size_t kSuffix = 1 + 4 + 20 + 1 + 8 + 1 + 6;  // "." ".tmp" pid "-" host "-" tag
  std::string prefix = ".";  // built by appends: GCC 12 warns falsely on "." + std::string
  prefix.append(name, 0, kNameMax - kSuffix - 1);
  prefix += ".tmp.";
  return prefix;
}

// Removes temporary files of this target whose writer is gone: written by a process of this
// host that no longer runs, or by another host more than a day ago.
void remove_stale(const std::string& folder, const std::string& name) {
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return;
  const std::string prefix = temp_prefix(name);
  const std::string host = host_tag();
  const auto now = std::chrono::system_clock::now();
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view file = entry->d_name;
    if (!file.starts_with(prefix)) continue;
    // The rest is PID-HOST-TAG.
    const std::string_view rest = file.substr(prefix.size());
    long pid = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    const std::string_view tail(end, static_cast<std::size_t>(rest.data() + rest.size() - end));
    if (ec != std::errc() || pid <= 0 || tail.size() != 1 + 8 + 1 + 6 || tail[0] != '-' || tail[9] != '-') continue;
    const std::string path = folder + "/" + std::string(file);
    bool stale = false;
    if (tail.substr(1, 8) == host) {
      stale = ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
    } else {
      struct stat info {};
      stale = ::lstat(path.c_str(), &info) == 0 &&
              now - std::chrono::system_clock::from_time_t(info.st_mtime) > std::chrono::hours(24);
    }
    if (stale) ::unlink(path.c_str());
  }
  ::closedir(dir);
}

// The temporary files of this process, for remove_temporary_files_then(); a slot holds the
// path's characters (owned by the AtomicFile) or null.
constexpr int kSlots = 64;
std::atomic<const char*> temp_slots[kSlots];
static_assert(std::atomic<const char*>::is_always_lock_free);

int remember(const char* path) {
  for (int i = 0; i < kSlots; ++i) {
    const char* empty = nullptr;
    if (temp_slots[i].compare_exchange_strong(empty, path)) return i;
  }
  return -1;  // more than kSlots files at once: this one is only removed by its destructor
}

// A signal handler and a thread creating a temporary file, on two threads at once: between
// open() and remember() the file exists but is not listed, and a handler that removed the
// listed files and ended the process then would leave it behind. So a handler that finds a
// creation under way leaves the ending to the creating thread: `creating` counts the threads
// between "about to create" and "listed", `dying_code` and `dying_end` are what the handler
// would have done. Each side writes its own atomic before reading the other's (sequentially
// consistent), so at least one of them sees the other.
std::atomic<int> creating{0};
std::atomic<int> dying_code{0};
std::atomic<void (*)(int)> dying_end{nullptr};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<void (*)(int)>::is_always_lock_free);

void remove_listed() noexcept {
  for (auto& slot : temp_slots) {
    if (const char* path = slot.exchange(nullptr)) ::unlink(path);
  }
}

// Brackets the creation and listing of one temporary file.
class Creating {
 public:
  Creating() { creating.fetch_add(1); }
  // A handler came meanwhile (or before): the last thread to leave removes the files, its own
  // now listed, and ends the process; the others wait for that.
  ~Creating() {
    const bool last = creating.fetch_sub(1) == 1;
    const int code = dying_code.load();
    if (code == 0) return;
    if (last) {
      remove_listed();
      dying_end.load()(code);
    }
    for (;;) ::pause();
  }
  Creating(const Creating&) = delete;
  Creating& operator=(const Creating&) = delete;
};

}  // namespace

std::string temporary_name(const std::string& target, long pid, std::string_view tag) {
  std::string name = temp_prefix(name_of(target));
  name += std::to_string(pid);
  name += '-';
  name += host_tag();
  name += '-';
  name += tag;
  return name;
}

void remove_temporary_files_then(void (*end)(int), int code) noexcept {
  dying_end.store(end);
  dying_code.store(code);
  if (creating.load() != 0) return;  // the creating thread ends the process once its file is listed
  remove_listed();
  end(code);
}

void check_output_path(const std::string& path) {
  const auto refuse = [&path](const std::string& why) {
    throw Error(ErrorKind::cannot_create, path + ": cannot create output file: " + why);
  };
  if (path.empty() || name_of(path).empty() || name_of(path) == "." || name_of(path) == "..") {
    struct stat info {};
    if (!path.empty() && ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) refuse("it is a folder");
    refuse("not a file name");
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) refuse("it is a folder");
    if (!S_ISREG(info.st_mode)) {
      if (::access(path.c_str(), W_OK) != 0) refuse(reason());
      return;
    }
  }
  const std::string folder = folder_of(follow_links(path));
  struct stat dir {};
  if (::stat(folder.c_str(), &dir) != 0) refuse(reason());
  if (!S_ISDIR(dir.st_mode)) refuse(folder + " is not a folder");
  if (::access(folder.c_str(), W_OK | X_OK) != 0) refuse(reason());
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const auto refuse = [this](const std::string& why) {
    throw Error(ErrorKind::cannot_create, path_ + ": cannot create output file: " + why);
  };
  struct stat info {};
  const bool exists = ::stat(path_.c_str(), &info) == 0;
  if (exists && S_ISDIR(info.st_mode)) refuse("it is a folder");
  if (exists && !S_ISREG(info.st_mode)) {
    // A device or pipe: a rename would replace the node itself, so write into it.
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) refuse(reason());
    return;
  }
  target_ = follow_links(path_);
  const std::string name = name_of(target_);
  if (name.empty() || name == "." || name == "..") refuse("not a file name");
  const std::string folder = folder_of(target_);
  remove_stale(folder, name);
  // 0666 less the umask, as for any new file; the old file's mode and owner when replacing.
  const Creating creating_guard;  // until the new file is listed for the signal handlers
  for (int attempt = 0; fd_ < 0; ++attempt) {
    temp_path_ = folder + "/" + temporary_name(target_, static_cast<long>(::getpid()), random_tag());
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && (errno != EEXIST || attempt > 100)) {
      temp_path_.clear();
      refuse(reason());
    }
  }
  slot_ = remember(temp_path_.c_str());
  if (exists) {
    // Keeping the owner needs root (or being the owner); otherwise the new file is ours.
    [[maybe_unused]] const int owned = ::fchown(fd_, info.st_uid, info.st_gid);
    ::fchmod(fd_, info.st_mode & 07777);
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
  forget_temp();
}

void AtomicFile::forget_temp() {
  if (slot_ >= 0) temp_slots[slot_].store(nullptr);
  slot_ = -1;
}

void AtomicFile::fail(const std::string& what) {
  const std::string why = reason();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  forget_temp();
  temp_path_.clear();
  throw Error(ErrorKind::io, path_ + ": " + what + ": " + why + " (the old file, if any, is unchanged)");
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
  if (temp_path_.empty()) {  // a device or pipe, written directly
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("close failed");
    committed_ = true;
    return;
  }
  if (::fsync(fd_) != 0) fail("fsync failed");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close failed");
  if (::rename(temp_path_.c_str(), target_.c_str()) != 0) fail("rename failed");
  committed_ = true;
  forget_temp();
  temp_path_.clear();
  const int dir = ::open(folder_of(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
