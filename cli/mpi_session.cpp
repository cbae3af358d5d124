// MpiSession: MPI_Init to MPI_Finalize around one training command, and Ranks over MPI's
// collectives (MPI_Allgather, MPI_Allgatherv in place, MPI_Alltoallv on MPI_COMM_WORLD).
#include "mpi_session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <vector>

#ifdef AE_MPI
#include <mpi.h>
#endif

namespace ae::cli {
namespace {

Ranks* current_ranks = nullptr;

// Errors every rank meets at the same point of training: the stop all ranks agreed on, and a
// non-finite loss (every rank sums the same slice losses).
bool met_by_every_rank(ErrorKind kind) {
  return kind == ErrorKind::interrupted || kind == ErrorKind::terminated || kind == ErrorKind::hung_up ||
         kind == ErrorKind::diverged;
}

#ifdef AE_MPI
int as_count(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) {
    throw Error(ErrorKind::usage, "a block of " + std::to_string(n) + " values is more than MPI's counts hold; use fewer parameters");
  }
  return static_cast<int>(n);
}

class MpiRanks : public Ranks {
 public:
  MpiRanks() {
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rank_ = static_cast<std::size_t>(rank);
    size_ = static_cast<std::size_t>(size);
    counts_.resize(size_);
    displs_.resize(size_);
    counts2_.resize(size_);
    displs2_.resize(size_);
  }
  std::size_t rank() const override { return rank_; }
  std::size_t size() const override { return size_; }
  void all_gather(std::span<const double> mine, std::span<double> all) override {
    const int n = as_count(mine.size());
    MPI_Allgather(mine.data(), n, MPI_DOUBLE, all.data(), n, MPI_DOUBLE, MPI_COMM_WORLD);
  }
  void all_gather_blocks(std::span<float> data, std::span<const std::size_t> offsets) override {
    blocks(offsets, counts_, displs_);
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data.data(), counts_.data(), displs_.data(), MPI_FLOAT, MPI_COMM_WORLD);
  }
  void all_to_all(std::span<const float> send, std::span<const std::size_t> send_offsets, std::span<float> recv,
                  std::span<const std::size_t> recv_offsets) override {
    blocks(send_offsets, counts_, displs_);
    blocks(recv_offsets, counts2_, displs2_);
    MPI_Alltoallv(send.data(), counts_.data(), displs_.data(), MPI_FLOAT, recv.data(), counts2_.data(), displs2_.data(),
                  MPI_FLOAT, MPI_COMM_WORLD);
  }

 private:
  void blocks(std::span<const std::size_t> offsets, std::vector<int>& counts, std::vector<int>& displs) const {
    for (std::size_t r = 0; r < size_; ++r) {
      counts[r] = as_count(offsets[r + 1] - offsets[r]);
      displs[r] = as_count(offsets[r]);
    }
  }
  std::size_t rank_ = 0, size_ = 1;
  std::vector<int> counts_, displs_, counts2_, displs2_;
};
#endif

}  // namespace

long launcher_processes() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* text = std::getenv(name)) {
      char* end = nullptr;
      const long n = std::strtol(text, &end, 10);
      if (end != text && *end == '\0' && n > 1) return n;
    }
  }
  return 1;
}

Ranks* training_ranks() { return current_ranks; }

bool this_rank_writes() { return current_ranks == nullptr || current_ranks->rank() == 0; }

MpiSession::MpiSession(const std::string& name) {
  const long n = launcher_processes();
  if (n <= 1) return;
  if (name != "train" && name != "demo") {
    throw Error(ErrorKind::usage, "started as one of " + std::to_string(n) + " processes by an MPI launcher (mpirun), but ae " +
                                      name + " runs as one process (only train and demo run on several): run it without "
                                      "mpirun and use --threads for the cores");
  }
#ifdef AE_MPI
  // Only the main thread calls MPI; the trainer's threads compute between the calls.
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  ranks_ = std::make_unique<MpiRanks>();
  current_ranks = ranks_.get();
  if (ranks_->rank() != 0) {
    // Rank 0 prints for all; the others keep the launcher's stderr for their own errors.
    error_fd_ = ::dup(STDERR_FILENO);
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
      std::fflush(stdout);
      std::fflush(stderr);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::close(null);
    }
  }
#else
  throw Error(ErrorKind::usage, "started as one of " + std::to_string(n) + " processes by an MPI launcher (mpirun), but this ae "
                                    "was built without MPI (install libopenmpi-dev and rebuild): run it as one process and "
                                    "use --threads for the cores");
#endif
}

MpiSession::~MpiSession() {
#ifdef AE_MPI
  if (!ranks_) return;
  current_ranks = nullptr;
  ranks_.reset();
  MPI_Finalize();
  if (error_fd_ >= 0) ::close(error_fd_);
#endif
}

bool MpiSession::writer() const { return ranks_ == nullptr || ranks_->rank() == 0; }

int MpiSession::fail(const Error& error, const std::string& message) {
  const int code = exit_code(error.kind());
  const bool everywhere = met_by_every_rank(error.kind());
  if (writer()) {
    std::fprintf(stderr, "%s\n", message.c_str());
  } else if (!everywhere) {
    // "ae: rank 2 of 4: ..." on the stderr mpirun collects.
    const std::string line = "ae: rank " + std::to_string(ranks_->rank()) + " of " + std::to_string(ranks_->size()) + ": " +
                             message.substr(message.rfind("ae: ", 0) == 0 ? 4 : 0) + "\n";
    if (::write(error_fd_, line.data(), line.size()) < 0) {
      // Nowhere left to say it; the exit code still does.
    }
  }
#ifdef AE_MPI
  if (ranks_ && !everywhere) {
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
  }
#endif
  return code;
}

}  // namespace ae::cli
