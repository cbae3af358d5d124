// Optimiser state and dispatch to the update kernels.
#include "ae/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ae/error.hpp"
#include "kernels/optimizer_kernels.hpp"

namespace ae {

double default_lr(OptimizerKind kind) { return kind == OptimizerKind::sgd ? 1e-2 : 1e-3; }

Optimizer::Optimizer(OptimizerConfig config, std::size_t parameter_count)
    : config_(config), m_(parameter_count, 0.0f) {
  if (config_.kind == OptimizerKind::adam) v_.assign(parameter_count, 0.0f);
}

void Optimizer::step(std::span<float> params, std::span<float> grads) {
  begin_step();
  update(params, grads, 0, params.size());
  std::fill(grads.begin(), grads.end(), 0.0f);
}

void Optimizer::begin_step() {
  ++steps_;
  const double t = static_cast<double>(steps_);
  alpha_ = static_cast<float>(config_.lr * std::sqrt(1.0 - std::pow(config_.beta2, t)) /
                              (1.0 - std::pow(config_.beta1, t)));
}

void Optimizer::update(std::span<float> params, std::span<const float> grads, std::size_t begin,
                       std::size_t end, const float* more) {
  if (params.size() != m_.size() || grads.size() != m_.size() || begin > end || end > m_.size()) {
    throw Error(ErrorKind::internal, "optimizer: arena sizes differ");
  }
  const float decay = static_cast<float>(config_.weight_decay);
  if (decay == 0.0f || !decayed_) {
    update_range(params.data(), grads.data(), more, begin, end, decay);
    return;
  }
  // Walk [begin, end) through the decayed ranges and the gaps between them.
  std::size_t at = begin;
  for (const auto& [r0, r1] : *decayed_) {
    if (at >= end) break;
    if (r1 <= at) continue;
    if (r0 > at) {
      const std::size_t gap_end = std::min(r0, end);
      update_range(params.data(), grads.data(), more, at, gap_end, 0.0f);
      at = gap_end;
    }
    if (at < end && at >= r0) {
      const std::size_t stop = std::min(r1, end);
      update_range(params.data(), grads.data(), more, at, stop, decay);
      at = stop;
    }
  }
  if (at < end) update_range(params.data(), grads.data(), more, at, end, 0.0f);
}

void Optimizer::update_range(float* params, const float* grads, const float* more, std::size_t begin,
                             std::size_t end, float decay) {
  const std::size_t n = end - begin;
  if (n == 0) return;
  float* p = params + begin;
  const float* g = grads + begin;
  const float* g2 = more != nullptr ? more + begin : nullptr;
  const float lr = static_cast<float>(config_.lr);
  switch (config_.kind) {
    case OptimizerKind::adam:
      kernels::adam_step(p, g, g2, m_.data() + begin, v_.data() + begin, n, alpha_,
                         static_cast<float>(config_.beta1), static_cast<float>(config_.beta2),
                         static_cast<float>(config_.epsilon), lr * decay);
      break;
    case OptimizerKind::sgd:
      kernels::sgd_step(p, g, g2, m_.data() + begin, n, lr, static_cast<float>(config_.momentum),
                        config_.nesterov, decay);
      break;
    case OptimizerKind::rmsprop:
      kernels::rmsprop_step(p, g, g2, m_.data() + begin, n, lr, static_cast<float>(config_.rho),
                            static_cast<float>(config_.epsilon), lr * decay);
      break;
  }
}

}  // namespace ae
