// Optimisers with Keras's update rules and defaults. Their state (moments) lives in arenas
// parallel to the parameter arena and is indexed by position.
//   adam:    m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//            p -= lr sqrt(1-b2^t)/(1-b1^t) m / (sqrt(v) + eps)      (Keras's "epsilon hat")
//   sgd:     v = momentum v - lr g; p += v (nesterov: p += momentum v - lr g)
//   rmsprop: v = rho v + (1-rho) g^2; p -= lr g / (sqrt(v) + eps)
// Weight decay wd (0: off) on the positions set_decayed() names: adam and rmsprop shrink
// p -= lr wd p before the update (decoupled, PyTorch's AdamW); sgd adds wd p to g (L2).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "ae/names.hpp"

namespace ae {

enum class OptimizerKind { adam, sgd, rmsprop };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::adam;
  double lr = 1e-3;       // Keras: adam 1e-3, sgd 1e-2, rmsprop 1e-3
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;
  double momentum = 0.0;  // sgd
  bool nesterov = false;  // sgd
  double rho = 0.9;       // rmsprop
  double weight_decay = 0.0;
};

inline constexpr std::array<NameEntry<OptimizerKind>, 3> kOptimizerNames{{
    {OptimizerKind::adam, "adam"}, {OptimizerKind::sgd, "sgd"}, {OptimizerKind::rmsprop, "rmsprop"}}};
inline OptimizerKind parse_optimizer(std::string_view name) {
  return parse_name(kOptimizerNames, name, "optimizer");
}
inline std::string_view optimizer_name(OptimizerKind kind) { return name_of(kOptimizerNames, kind); }
// Keras's default learning rate for the optimiser.
double default_lr(OptimizerKind kind);

class Optimizer {
 public:
  Optimizer(OptimizerConfig config, std::size_t parameter_count);

  // One update of `params` from `grads`, which it then sets to zero (the next step's
  // backward passes add into them).
  void step(std::span<float> params, std::span<float> grads);
  // The same in parts, so threads can update disjoint ranges: begin_step() once, then
  // update() over ranges [begin, end) that together cover the arena. The gradient is grads,
  // plus more (an arena of the same size) where more is not null, summed in that order;
  // neither is changed (a trainer whose backward passes write the gradients needs no zeroing).
  void begin_step();
  void update(std::span<float> params, std::span<const float> grads, std::size_t begin, std::size_t end,
              const float* more = nullptr);

  const OptimizerConfig& config() const { return config_; }
  void set_lr(double lr) { config_.lr = lr; }
  std::uint64_t steps() const { return steps_; }
  // Moments, for checkpoints: adam uses both, sgd (momentum) and rmsprop the first only.
  std::vector<float>& first_moment() { return m_; }
  std::vector<float>& second_moment() { return v_; }
  void set_steps(std::uint64_t steps) { steps_ = steps; }
  // The [begin, end) ranges of the arena that weight decay applies to, sorted and disjoint
  // (the weights, not the biases). Until set: every position.
  void set_decayed(std::vector<std::pair<std::size_t, std::size_t>> ranges) { decayed_ = std::move(ranges); }

 private:
  OptimizerConfig config_;
  std::uint64_t steps_ = 0;
  float alpha_ = 0;  // adam's bias-corrected step size for the current step
  std::vector<float> m_;
  std::vector<float> v_;
  std::optional<std::vector<std::pair<std::size_t, std::size_t>>> decayed_;

  void update_range(float* p, const float* g, const float* more, std::size_t begin, std::size_t end, float decay);
};

}  // namespace ae
