// `ae train` and `ae demo` started by an MPI launcher (mpirun -np N): MPI from start to end
// of the command, the training run's Ranks over MPI_COMM_WORLD, and the way one rank's error
// ends every rank. Rank 0 alone prints and writes files; the other ranks' standard output
// and progress go to /dev/null, their errors to the launcher's stderr. Built when CMake
// found MPI (AE_MPI); otherwise several processes are refused with a line that says so.
#pragma once
#include <memory>
#include <string>

#include "ae/error.hpp"
#include "ae/ranks.hpp"

namespace ae::cli {

// The number of processes an MPI launcher started together with this one (OpenMPI's
// OMPI_COMM_WORLD_SIZE, MPICH's PMI_SIZE); 1 when not started by one.
long launcher_processes();

class MpiSession {
 public:
  // For the command `name`: starts MPI when the launcher started several processes. Throws
  // Error(usage) when it did and `name` runs as one process only, or ae was built without MPI.
  explicit MpiSession(const std::string& name);
  // Ends MPI (MPI_Finalize) after a success or an error that every rank met alike.
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  bool active() const { return ranks_ != nullptr; }
  // Whether this process prints and writes files: rank 0, or no MPI.
  bool writer() const;
  // Prints `message` as this rank's error and ends the command's processes with `code`: where
  // every rank met the same error at the same point (a stop every rank agreed on, a diverged
  // loss) each returns `code` and MPI ends normally; otherwise MPI_Abort ends every rank,
  // since the others may be waiting for this one. Returns the exit code where it returns.
  int fail(const Error& error, const std::string& message);

 private:
  std::unique_ptr<Ranks> ranks_;
  int error_fd_ = -1;  // stderr as the launcher gave it (non-zero ranks)
};

// The running command's ranks: null unless started by mpirun (set by MpiSession).
Ranks* training_ranks();
// Whether this process prints results and writes files: rank 0, or no mpirun.
bool this_rank_writes();

}  // namespace ae::cli
