// Products of a mostly-zero matrix with a dense one, for layers whose input is sparse (MNIST
// pixels are about 80% zero): the work scales with the nonzero count instead of the full
// width. See kernels.hpp for the layouts.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "kernels/kernels.hpp"

namespace ae::kernels {
namespace {

// One 32-byte register of floats or doubles, through GCC's vector extension (lowered to
// whatever the target has).
using Vec8f = float __attribute__((vector_size(32)));
using Vec4d = double __attribute__((vector_size(32)));
template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  using type = Vec8f;
};
template <>
struct VecOf<double> {
  using type = Vec4d;
};
template <class T>
using Vec = typename VecOf<T>::type;
template <class T>
constexpr std::size_t kLanes = sizeof(Vec<T>) / sizeof(T);

template <class T>
Vec<T> load(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T>
void store(T* p, Vec<T> v) {
  std::memcpy(p, &v, sizeof v);
}

template <class T>
Vec<T> broadcast(T x) {
  Vec<T> v;
  for (std::size_t i = 0; i < kLanes<T>; ++i) v[i] = x;
  return v;
}

#if defined(__AVX2__)
// For each 8-bit mask, the lane numbers of its set bits first: the permutation that packs
// the selected lanes of a vector to its front.
constexpr std::array<std::array<int, 8>, 256> make_compress_table() {
  std::array<std::array<int, 8>, 256> table{};
  for (int mask = 0; mask < 256; ++mask) {
    int n = 0;
    for (int lane = 0; lane < 8; ++lane) {
      if (mask & (1 << lane)) table[mask][n++] = lane;
    }
  }
  return table;
}
alignas(32) constexpr auto kCompressTable = make_compress_table();

// Eight floats at a time: packs the nonzero lanes and their column numbers to the front and
// stores all eight (the tail is overwritten by the next group). Returns the new count.
std::uint32_t compress_row_avx2(const float* row, std::size_t C, std::uint32_t n,
                                std::uint32_t* index, float* values, std::size_t& c) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (; c + 8 <= C; c += 8) {
    const __m256 v = _mm256_loadu_ps(row + c);
    // Unordered not-equal: NaN counts as nonzero, as in `x != 0`.
    const int mask = _mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_NEQ_UQ));
    const __m256i perm = _mm256_load_si256(reinterpret_cast<const __m256i*>(kCompressTable[mask].data()));
    _mm256_storeu_ps(values + n, _mm256_permutevar8x32_ps(v, perm));
    const __m256i columns = _mm256_add_epi32(lanes, _mm256_set1_epi32(static_cast<int>(c)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(index + n), _mm256_permutevar8x32_epi32(columns, perm));
    n += static_cast<std::uint32_t>(std::popcount(static_cast<unsigned>(mask)));
  }
  return n;
}
#endif

}  // namespace

template <class T>
std::size_t count_nonzero(const T* x, std::size_t n) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += x[i] != T(0) ? 1 : 0;
  return count;
}

template <class T>
void compress_rows(const T* x, std::size_t R, std::size_t C, std::uint32_t* start,
                   std::uint32_t* index, T* values) {
  // Branch-free: every entry is written at the next free slot, which advances past nonzeros
  // only (a data-dependent branch would mispredict on most sparse inputs).
  std::uint32_t n = 0;
  for (std::size_t r = 0; r < R; ++r) {
    start[r] = n;
    const T* row = x + r * C;
    std::size_t c = 0;
#if defined(__AVX2__)
    if constexpr (std::is_same_v<T, float>) n = compress_row_avx2(row, C, n, index, values, c);
#endif
    for (; c < C; ++c) {
      index[n] = static_cast<std::uint32_t>(c);
      values[n] = row[c];
      n += row[c] != T(0) ? 1u : 0u;
    }
  }
  start[R] = n;
}

template <class T>
void sparse_gemm_ref(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                     std::size_t R, const T* b, std::size_t N, T* c) {
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t n = 0; n < N; ++n) {
      T sum = 0;
      for (std::uint32_t j = start[r]; j < start[r + 1]; ++j) sum += values[j] * b[index[j] * N + n];
      c[r * N + n] = sum;
    }
  }
}

template <class T>
void sparse_gemm(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                 std::size_t R, std::size_t K, const T* b, bool b_transposed, std::size_t N, T* c,
                 T* panel, std::uint32_t* cursor) {
  // Panels of 64 output columns (8 vectors of 8 floats), and within a panel blocks of 64 of
  // b's rows packed contiguously (16 KB, in L1). Every row of c keeps its panel in registers
  // while it adds the rows of the block its nonzeros select; cursor[r] remembers where row
  // r's nonzeros continue in the next block. Sums run over each row's nonzeros in order.
  constexpr std::size_t L = kLanes<T>, V = 8, W = V * L;
  const auto at = [&](std::size_t k, std::size_t n) { return b_transposed ? b[n * K + k] : b[k * N + n]; };
  std::size_t n0 = 0;
  for (; n0 + W <= N; n0 += W) {
    std::copy(start, start + R, cursor);
    for (std::size_t k0 = 0; k0 < K; k0 += kSparseBlock) {
      const std::size_t k1 = std::min(K, k0 + kSparseBlock);
      if (b_transposed) {
        for (std::size_t n = 0; n < W; ++n) {
          for (std::size_t k = k0; k < k1; ++k) panel[(k - k0) * W + n] = b[(n0 + n) * K + k];
        }
      } else {
        for (std::size_t k = k0; k < k1; ++k) std::memcpy(panel + (k - k0) * W, b + k * N + n0, W * sizeof(T));
      }
      for (std::size_t r = 0; r < R; ++r) {
        T* out = c + r * N + n0;
        std::uint32_t j = cursor[r];
        const std::uint32_t end = start[r + 1];
        if (j == end || index[j] >= k1) {
          if (k0 == 0) std::fill(out, out + W, T(0));
          continue;
        }
        Vec<T> acc[V] = {};
        if (k0 > 0) {
#pragma GCC unroll 8
          for (std::size_t t = 0; t < V; ++t) acc[t] = load(out + t * L);
        }
        for (; j < end && index[j] < k1; ++j) {
          const T* row = panel + (index[j] - k0) * W;
          const Vec<T> v = broadcast(values[j]);
#pragma GCC unroll 8
          for (std::size_t t = 0; t < V; ++t) acc[t] += v * load(row + t * L);
        }
#pragma GCC unroll 8
        for (std::size_t t = 0; t < V; ++t) store(out + t * L, acc[t]);
        cursor[r] = j;
      }
    }
  }
  for (; n0 < N; ++n0) {
    for (std::size_t r = 0; r < R; ++r) {
      T sum = 0;
      for (std::uint32_t j = start[r]; j < start[r + 1]; ++j) sum += values[j] * at(index[j], n0);
      c[r * N + n0] = sum;
    }
  }
}

template <class T>
void transpose(const T* a, std::size_t R, std::size_t C, T* at) {
  constexpr std::size_t kBlock = 16;
  for (std::size_t r0 = 0; r0 < R; r0 += kBlock) {
    for (std::size_t c0 = 0; c0 < C; c0 += kBlock) {
      const std::size_t r1 = std::min(R, r0 + kBlock), c1 = std::min(C, c0 + kBlock);
      for (std::size_t c = c0; c < c1; ++c) {
        for (std::size_t r = r0; r < r1; ++r) at[c * R + r] = a[r * C + c];
      }
    }
  }
}

template <class T>
void add_transposed(const T* a, std::size_t R, std::size_t C, T* c) {
  constexpr std::size_t kBlock = 16;
  for (std::size_t r0 = 0; r0 < R; r0 += kBlock) {
    for (std::size_t c0 = 0; c0 < C; c0 += kBlock) {
      const std::size_t r1 = std::min(R, r0 + kBlock), c1 = std::min(C, c0 + kBlock);
      for (std::size_t j = c0; j < c1; ++j) {
        for (std::size_t i = r0; i < r1; ++i) c[j * R + i] += a[i * C + j];
      }
    }
  }
}

#define AE_SPARSE_INSTANTIATE(T)                                                                  \
  template std::size_t count_nonzero<T>(const T*, std::size_t);                                   \
  template void compress_rows<T>(const T*, std::size_t, std::size_t, std::uint32_t*,               \
                                 std::uint32_t*, T*);                                              \
  template void sparse_gemm_ref<T>(const std::uint32_t*, const std::uint32_t*, const T*,           \
                                   std::size_t, const T*, std::size_t, T*);                        \
  template void sparse_gemm<T>(const std::uint32_t*, const std::uint32_t*, const T*, std::size_t,  \
                               std::size_t, const T*, bool, std::size_t, T*, T*, std::uint32_t*);  \
  template void transpose<T>(const T*, std::size_t, std::size_t, T*);                             \
  template void add_transposed<T>(const T*, std::size_t, std::size_t, T*);
AE_SPARSE_INSTANTIATE(float)
AE_SPARSE_INSTANTIATE(double)
#undef AE_SPARSE_INSTANTIATE

}  // namespace ae::kernels
