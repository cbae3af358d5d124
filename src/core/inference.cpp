// Whole-data-set passes through a model, kInferenceChunk rows at a time, on a pool of the
// caller's thread count.
#include "ae/inference.hpp"

#include <algorithm>
#include <string>

#include "ae/error.hpp"
#include "core/chunks.hpp"
#include "kernels/kernels.hpp"

namespace ae {
namespace {

// The chunked pass with a model workspace per thread.
template <class Fn>
void for_each_model_chunk(const Dataset& data, std::size_t threads, Fn fn) {
  for_each_chunk<Workspace<float>>(data, threads, fn);
}

void copy_into(Matrix& out, std::size_t first, ConstMatrixView rows) {
  std::copy(rows.data, rows.data + rows.size(), out.row(first));
}

}  // namespace

void check_width(const Autoencoder& model, const Dataset& data) {
  if (data.cols != model.architecture().input) {
    throw Error(ErrorKind::usage, data.source + ": rows have " + std::to_string(data.cols) +
                                      " values but the model expects " +
                                      std::to_string(model.architecture().input));
  }
}

void for_each_reconstruction(Autoencoder& model, const Dataset& data,
                             const std::function<void(std::size_t, ConstMatrixView, ConstMatrixView)>& fn,
                             std::size_t threads) {
  check_width(model, data);
  for_each_model_chunk(data, threads, [&](std::size_t first, std::size_t, ConstMatrixView x, Workspace<float>& ws) {
    fn(first, x, model.forward(x, 0, model.layer_count(), ws));
  });
}

Matrix encode_all(Autoencoder& model, const Dataset& data, std::size_t threads) {
  check_width(model, data);
  Matrix out(data.rows, model.architecture().embedding_width());
  const std::size_t last = model.architecture().bottleneck + 1;
  for_each_model_chunk(data, threads, [&](std::size_t first, std::size_t, ConstMatrixView x, Workspace<float>& ws) {
    copy_into(out, first, model.forward(x, 0, last, ws));
  });
  return out;
}

Matrix reconstruct_all(Autoencoder& model, const Dataset& data, std::size_t threads) {
  check_width(model, data);
  Matrix out(data.rows, data.cols);
  for_each_model_chunk(data, threads, [&](std::size_t first, std::size_t, ConstMatrixView x, Workspace<float>& ws) {
    copy_into(out, first, model.forward(x, 0, model.layer_count(), ws));
  });
  return out;
}

Matrix decode_all(Autoencoder& model, ConstMatrixView embeddings) {
  const std::size_t K = model.architecture().embedding_width();
  if (embeddings.cols != K) {
    throw Error(ErrorKind::usage, "embeddings have " + std::to_string(embeddings.cols) +
                                      " values per row but the model's embedding has " +
                                      std::to_string(K));
  }
  Matrix out(embeddings.rows, model.architecture().input);
  for (std::size_t first = 0; first < embeddings.rows; first += kInferenceChunk) {
    const std::size_t count = std::min(kInferenceChunk, embeddings.rows - first);
    copy_into(out, first, model.decode(embeddings.rows_range(first, count)));
  }
  return out;
}

std::vector<float> per_sample_errors(Autoencoder& model, const Dataset& data, Loss loss,
                                     std::size_t threads) {
  check_width(model, data);
  std::vector<float> out(data.rows);
  for_each_model_chunk(data, threads, [&](std::size_t first, std::size_t, ConstMatrixView x, Workspace<float>& ws) {
    loss_per_sample<float>(loss, model.forward(x, 0, model.layer_count(), ws), x, out.data() + first);
  });
  return out;
}

Matrix sample_prior(Autoencoder& model, std::size_t n, std::uint64_t seed) {
  if (!model.architecture().variational()) {
    throw Error(ErrorKind::usage, "sampling needs a variational model; this one is plain (its embedding has no prior)");
  }
  if (n == 0 || n > kMaxSamples) {
    throw Error(ErrorKind::usage, "samples must be from 1 to " + std::to_string(kMaxSamples) + ", not " + std::to_string(n), "samples");
  }
  const std::size_t K = model.architecture().embedding_width();
  Matrix z(n, K);
  constexpr std::uint64_t kPriorStream = ~std::uint64_t{2};  // beside the training streams' keys
  kernels::input_noise(z.row(0), n, K, kernels::dropout_key(seed, 0, kPriorStream), 0, 1.0, false);
  return decode_all(model, z.view());
}

std::vector<float> per_sample_embedding_terms(Autoencoder& model, const Dataset& data, std::size_t threads) {
  check_width(model, data);
  const Architecture& arch = model.architecture();
  const std::size_t K = arch.embedding_width();
  std::vector<float> out(data.rows);
  for_each_model_chunk(data, threads, [&](std::size_t first, std::size_t count, ConstMatrixView x, Workspace<float>& ws) {
    (void)model.forward(x, 0, arch.bottleneck + 1, ws);
    const float* h = ws.outputs[arch.bottleneck].data();
    if (arch.variational()) {
      (void)kernels::latent_kl(h, count, K, out.data() + first);
    } else {
      for (std::size_t r = 0; r < count; ++r) out[first + r] = static_cast<float>(kernels::l1_sum(h + r * K, K));
    }
  });
  return out;
}

std::vector<float> per_sample_posterior_errors(Autoencoder& model, const Dataset& data, Loss loss, std::size_t draws,
                                               std::uint64_t seed, std::size_t threads) {
  check_width(model, data);
  if (!model.architecture().variational()) {
    throw Error(ErrorKind::usage, "draws from the posterior need a variational model; this one is plain");
  }
  if (draws == 0 || draws > kMaxSamples) {
    throw Error(ErrorKind::usage, "samples must be from 1 to " + std::to_string(kMaxSamples) + ", not " + std::to_string(draws), "samples");
  }
  const std::size_t K = model.architecture().embedding_width();
  constexpr std::uint64_t kPosteriorStream = ~std::uint64_t{3};  // beside the prior's and training's keys
  std::vector<float> out(data.rows);
  for_each_model_chunk(data, threads, [&](std::size_t first, std::size_t count, ConstMatrixView x, Workspace<float>& ws) {
    std::vector<double> sum(count, 0.0);
    std::vector<float> errors(count);
    for (std::size_t d = 0; d < draws; ++d) {
      ws.latent_noise.assign(count * K, 0.0f);
      kernels::input_noise(ws.latent_noise.data(), count, K, kernels::dropout_key(seed, d, kPosteriorStream), data.first_row + first, 1.0, false);
      loss_per_sample<float>(loss, model.forward(x, 0, model.layer_count(), ws), x, errors.data());
      for (std::size_t r = 0; r < count; ++r) sum[r] += errors[r];
    }
    ws.latent_noise.clear();
    for (std::size_t r = 0; r < count; ++r) out[first + r] = static_cast<float>(sum[r] / static_cast<double>(draws));
  });
  return out;
}

}  // namespace ae
