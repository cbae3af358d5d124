// Applying a trained model to whole data sets, in fixed-size chunks so memory stays bounded:
// embeddings, reconstructions, decoded rows and per-sample reconstruction errors. `threads`
// is resolve_threads's request (0: every core the process may use); the results do not depend on it.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/loss.hpp"

namespace ae {

// Rows per chunk: large enough for efficient GEMMs, small enough that a thread's buffers
// (input and every layer's output) stay around 2 MB for the MNIST model.
constexpr std::size_t kInferenceChunk = 256;

Matrix encode_all(Autoencoder& model, const Dataset& data, std::size_t threads = 0);
Matrix reconstruct_all(Autoencoder& model, const Dataset& data, std::size_t threads = 0);
Matrix decode_all(Autoencoder& model, ConstMatrixView embeddings);
// Calls fn(first, x, y) for every chunk of kInferenceChunk rows (the last may be shorter):
// x the rows from `first` on as float, y their reconstruction. The chunks are dealt to the
// threads in turn, so fn runs concurrently for different chunks and must only write what
// belongs to its own chunk.
void for_each_reconstruction(Autoencoder& model, const Dataset& data,
                             const std::function<void(std::size_t first, ConstMatrixView x, ConstMatrixView y)>& fn,
                             std::size_t threads = 0);
// Per-sample error of each row under `loss`'s per-sample form (sse: sum of squares).
std::vector<float> per_sample_errors(Autoencoder& model, const Dataset& data, Loss loss,
                                     std::size_t threads = 0);
// Draws from a variational model's prior: n rows of z ~ N(0, I) (K values each, a hash of
// (seed, row, unit) like the training noise, so the same seed gives the same draws on any
// thread count), decoded into n rows (D) of the model's scaled units. Throws Error(usage)
// for a plain model or n above kMaxSamples.
inline constexpr std::size_t kMaxSamples = 1'000'000;
Matrix sample_prior(Autoencoder& model, std::size_t n, std::uint64_t seed);
// Per row, the embedding's own term: sum |h| over the embedding units of a plain model (the
// sparsity penalty's), KL(q(z | x) || N(0, I)) of a variational one.
std::vector<float> per_sample_embedding_terms(Autoencoder& model, const Dataset& data, std::size_t threads = 0);
// A variational model's reconstruction error under draws from its posterior: per row, the
// mean over `draws` draws z ~ q(z | x) of `loss`'s per-sample error of decode(z). Draw d's
// noise is a hash of (seed, d, row, unit), so the result depends on neither the thread count
// nor the chunking. Throws Error(usage) for a plain model or draws outside [1, kMaxSamples].
std::vector<float> per_sample_posterior_errors(Autoencoder& model, const Dataset& data, Loss loss, std::size_t draws,
                                               std::uint64_t seed, std::size_t threads = 0);
// Throws Error(usage) naming the data's source when its width is not the model's input width.
void check_width(const Autoencoder& model, const Dataset& data);

}  // namespace ae
