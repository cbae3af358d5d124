// Which flag of which command names an input or an output file, and the checks every command
// gets from that table before it does any work: no output is one of the inputs (same device
// and inode, so links and other spellings count), outputs have a name whose format ae writes
// and a folder they can be created in; and, on failure, the removal of outputs the run created.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "common.hpp"

namespace ae::cli {
namespace {

enum class Role {
  input,          // read
  output,         // written (atomically), removed again when the run fails
  kept_output,    // written, kept when the run fails (checkpoints are for recovering)
  output_folder,  // a folder the command creates if needed and writes files into
};

struct FileFlag {
  std::string_view command;  // the subcommand path, "plot scores" for nested ones
  std::string_view flag;     // the option's name ("model" for the positional)
  Role role;
  // Outputs: the accepted endings, space-separated ("" for any name; "-" for standard output).
  std::string_view endings = "";
  // A kept output that may be this input (a checkpoint resumed and written again).
  std::string_view may_be = "";
};

constexpr FileFlag kFileFlags[] = {
    {"demo", "--out", Role::output_folder},
    {"demo", "--history", Role::output},
    {"train", "--data", Role::input},
    {"train", "--val", Role::input},
    {"train", "--resume", Role::input},
    {"train", "--out", Role::output},
    {"train", "--history", Role::output},
    {"train", "--checkpoint", Role::kept_output, "", "--resume"},
    {"summary", "model", Role::input},
    {"encode", "model", Role::input},
    {"encode", "--data", Role::input},
    {"encode", "--out", Role::output, ".npy .csv -"},
    {"decode", "model", Role::input},
    {"decode", "--data", Role::input},
    {"decode", "--out", Role::output, ".npy .csv -"},
    {"reconstruct", "model", Role::input},
    {"reconstruct", "--data", Role::input},
    {"reconstruct", "--out", Role::output, ".npy .csv -"},
    {"show", "model", Role::input},
    {"show", "--data", Role::input},
    {"show", "--out", Role::output, ".png"},
    {"score", "model", Role::input},
    {"score", "--data", Role::input},
    {"score", "--labels", Role::input},
    {"score", "--fit", Role::input},
    {"score", "--out", Role::output, ".csv .npy"},
    {"score", "--per-feature", Role::output, ".npy .csv"},
    {"explain", "model", Role::input},
    {"explain", "--data", Role::input},
    {"explain", "--out", Role::output, ".csv"},
    {"explain", "--map", Role::output, ".png"},
    {"sample", "model", Role::input},
    {"sample", "--out", Role::output, ".npy .png"},
    {"plot history", "--history", Role::input},
    {"plot history", "--out", Role::output},
    {"plot scores", "model", Role::input},
    {"plot scores", "--data", Role::input},
    {"plot scores", "--labels", Role::input},
    {"plot scores", "--out", Role::output},
    {"plot latent", "model", Role::input},
    {"plot latent", "--data", Role::input},
    {"plot latent", "--labels", Role::input},
    {"plot latent", "--out", Role::output},
    {"plot feature-error", "model", Role::input},
    {"plot feature-error", "--data", Role::input},
    {"plot feature-error", "--out", Role::output},
    {"report", "model", Role::input},
    {"report", "--data", Role::input},
    {"report", "--labels", Role::input},
    {"report", "--val", Role::input},
    {"report", "--history", Role::input},
    {"report", "--out", Role::output},
};

struct Named {
  const FileFlag* row;
  std::string path;
  std::optional<struct stat> info;  // when the path exists (symlinks followed)
};

std::optional<struct stat> stat_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return info;
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// The parsed subcommand path below the root ("plot scores") and its innermost app.
const CLI::App* leaf(const CLI::App& command, std::string& name) {
  name = command.get_name();
  const CLI::App* app = &command;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (const CLI::App* sub : app->get_subcommands()) {
      name += " " + sub->get_name();
      app = sub;
      deeper = true;
      break;
    }
  }
  return app;
}

// The option's value: given, or its default (report --out report.html, demo --out out).
std::string value_of(const CLI::App& app, std::string_view flag) {
  const CLI::Option* option = app.get_option_no_throw(std::string(flag));
  if (option == nullptr) throw Error(ErrorKind::internal, "file table: " + app.get_name() + " has no option " + std::string(flag));
  if (option->count() == 0) return option->get_default_str();
  return option->as<std::string>();
}

bool has_ending(const std::string& path, std::string_view endings) {
  if (endings.empty()) return true;
  for (std::size_t at = 0; at < endings.size();) {
    const std::size_t space = std::min(endings.find(' ', at), endings.size());
    const std::string_view ending = endings.substr(at, space - at);
    if (ending == "-" ? path == "-" : path.ends_with(ending)) return true;
    at = space + 1;
  }
  return false;
}

// Refuses an output folder that is a file, or whose nearest existing ancestor is not a
// writable folder.
void check_output_folder(const std::string& path) {
  const auto refuse = [&path](const std::string& why) {
    throw Error(ErrorKind::cannot_create, path + ": cannot create output folder: " + why);
  };
  std::filesystem::path at = path;
  if (const auto info = stat_of(path)) {
    if (!S_ISDIR(info->st_mode)) refuse("it exists and is not a folder");
  } else {
    while (!at.empty() && !stat_of(at.string())) at = at.parent_path();
    if (at.empty()) at = ".";
    const auto ancestor = stat_of(at.string());
    if (!ancestor || !S_ISDIR(ancestor->st_mode)) refuse(at.string() + " is not a folder");
  }
  if (::access(at.c_str(), W_OK | X_OK) != 0) refuse(std::strerror(errno));
}

std::string flag_text(const FileFlag& row) { return row.flag == "model" ? std::string("the model") : std::string(row.flag); }

}  // namespace

bool is_stream(const std::string& path) {
  const auto info = stat_of(path);
  return info && !S_ISREG(info->st_mode) && !S_ISDIR(info->st_mode);
}

OutputGuard::OutputGuard(const CLI::App& command) {
  std::string name;
  const CLI::App* app = leaf(command, name);
  std::vector<Named> inputs, outputs;
  for (const FileFlag& row : kFileFlags) {
    if (row.command != name) continue;
    std::string path = value_of(*app, row.flag);
    if (path.empty()) continue;
    Named named{&row, path, stat_of(path)};
    (row.role == Role::input ? inputs : outputs).push_back(std::move(named));
  }
  // Standard output redirected into an input would have truncated or will grow it.
  if (const auto out = [] { struct stat s {}; return ::fstat(STDOUT_FILENO, &s) == 0 ? std::optional(s) : std::nullopt; }();
      out && S_ISREG(out->st_mode)) {
    for (const Named& in : inputs) {
      if (in.info && same_file(*in.info, *out)) {
        throw Error(ErrorKind::usage, "standard output is the input " + in.path + " (" + flag_text(*in.row) +
                                          "); an output must not replace an input");
      }
    }
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Named& out = outputs[i];
    if (out.path == "-") continue;
    for (const Named& in : inputs) {
      if (!out.info || !in.info || !same_file(*out.info, *in.info)) continue;
      if (!out.row->may_be.empty() && out.row->may_be == in.row->flag) continue;
      throw Error(ErrorKind::usage, std::string(out.row->flag) + " " + out.path + " is the same file as the input " + in.path +
                                        " (" + flag_text(*in.row) + "); an output must not replace an input, nothing was done");
    }
    for (std::size_t j = 0; j < i; ++j) {
      const Named& other = outputs[j];
      std::error_code ec;
      const bool same = out.info && other.info ? same_file(*out.info, *other.info)
                                               : std::filesystem::weakly_canonical(out.path, ec) ==
                                                     std::filesystem::weakly_canonical(other.path, ec);
      if (same && other.path != "-") {
        throw Error(ErrorKind::usage, std::string(other.row->flag) + " and " + std::string(out.row->flag) + " name the same file " +
                                          out.path + "; give each output its own file");
      }
    }
    if (!has_ending(out.path, out.row->endings) && !is_stream(out.path)) {
      throw Error(ErrorKind::usage, std::string(out.row->flag) + " " + out.path +
                                        ": the format follows the name; use one ending in " + std::string(out.row->endings));
    }
    if (out.row->role == Role::output_folder) {
      check_output_folder(out.path);
    } else {
      check_output_path(out.path);
    }
    if (out.row->role == Role::output && !out.info) created_.push_back(out.path);
  }
}

OutputGuard::~OutputGuard() {
  if (kept_) return;
  for (const std::string& path : created_) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) ::unlink(path.c_str());
  }
}

}  // namespace ae::cli
