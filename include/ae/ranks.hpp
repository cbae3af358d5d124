// The processes of one data-parallel training run, as the trainer needs them: each rank
// computes its share of every batch's row slices, and these three collectives put the pieces
// together in a fixed order (TrainConfig::ranks). The library itself has no MPI: the `ae` tool
// implements this over MPI (cli/mpi_ranks.cpp), tests over threads.
#pragma once
#include <cstddef>
#include <span>

namespace ae {

class Ranks {
 public:
  virtual ~Ranks() = default;
  virtual std::size_t rank() const = 0;  // 0 .. size() - 1
  virtual std::size_t size() const = 0;

  // Every rank's `mine` (the same length on every rank) in rank order: all is size() x
  // mine.size().
  virtual void all_gather(std::span<const double> mine, std::span<double> all) = 0;
  // `data` is split into blocks, rank r's at [offsets[r], offsets[r + 1]) (offsets has
  // size() + 1 entries, the same on every rank). Each rank holds its own block; afterwards
  // every rank holds every block.
  virtual void all_gather_blocks(std::span<float> data, std::span<const std::size_t> offsets) = 0;
  // Rank r sends send[send_offsets[d], send_offsets[d + 1]) to each rank d and receives what
  // rank s sent it into recv[recv_offsets[s], recv_offsets[s + 1]).
  virtual void all_to_all(std::span<const float> send, std::span<const std::size_t> send_offsets,
                          std::span<float> recv, std::span<const std::size_t> recv_offsets) = 0;
};

}  // namespace ae
