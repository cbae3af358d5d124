// Products of a mostly-zero matrix with a dense one, for layers whose input is sparse (MNIST
// pixels are about 80% zero): the work scales with the nonzero count instead of the full
// width; with the compression and transposes they need. See kernels.hpp for the layouts.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kernels/isa.hpp"
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

inline Vec8f broadcast(float x) { return Vec8f{x, x, x, x, x, x, x, x}; }
inline Vec4d broadcast(double x) { return Vec4d{x, x, x, x}; }

#if defined(__x86_64__)
// The AVX2 code below is compiled for AVX2 whatever the build's baseline, and called only
// where the CPU has it (has_avx2).
bool has_avx2() { return __builtin_cpu_supports("avx2") != 0; }

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
__attribute__((target("avx2"))) std::uint32_t compress_row_avx2(const float* row, std::size_t C, std::uint32_t n,
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

// Transposes the 8 x 8 block held in r[0..7] (row i in r[i]) in place.
__attribute__((target("avx2"))) inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  __m256 u[8];
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// The whole 8 x 8 blocks of a (R x C): the block of a at (r, c) goes to (c, r) of the
// (C x R) output, stored or added; lda and ldo are the row strides of a and the output.
// Tiles of 32 x 32 (4 KB each side) keep both sides' lines in L1 whatever the strides (a
// 512-byte stride would otherwise send every block's lines to the same few L1 sets).
template <bool Add>
__attribute__((target("avx2"))) void transpose_blocks(const float* a, std::size_t R, std::size_t C, std::size_t lda, float* out,
                      std::size_t ldo) {
  constexpr std::size_t kTile = 32;
  const std::size_t R8 = R / 8 * 8, C8 = C / 8 * 8;
  for (std::size_t rt = 0; rt < R8; rt += kTile) {
    for (std::size_t ct = 0; ct < C8; ct += kTile) {
      const std::size_t re = std::min(R8, rt + kTile), ce = std::min(C8, ct + kTile);
      for (std::size_t r0 = rt; r0 < re; r0 += 8) {
        for (std::size_t c0 = ct; c0 < ce; c0 += 8) {
          __m256 v[8];
          for (std::size_t i = 0; i < 8; ++i) v[i] = _mm256_loadu_ps(a + (r0 + i) * lda + c0);
          transpose8(v);
          for (std::size_t i = 0; i < 8; ++i) {
            float* o = out + (c0 + i) * ldo + r0;
            _mm256_storeu_ps(o, Add ? _mm256_add_ps(_mm256_loadu_ps(o), v[i]) : v[i]);
          }
        }
      }
    }
  }
}

#endif

// out (C x R) = or += a^T over rows [r0, r1) and columns [c0, c1) of a (R x C), in 16 x 16
// tiles so both sides stay in cache; lda and ldo are the row strides of a and out.
template <bool Add, class T>
void transpose_rect(const T* a, std::size_t lda, T* out, std::size_t ldo, std::size_t r0, std::size_t r1,
                    std::size_t c0, std::size_t c1) {
  constexpr std::size_t kTile = 16;
  for (std::size_t rt = r0; rt < r1; rt += kTile) {
    for (std::size_t ct = c0; ct < c1; ct += kTile) {
      const std::size_t re = std::min(r1, rt + kTile), ce = std::min(c1, ct + kTile);
      for (std::size_t c = ct; c < ce; ++c) {
        for (std::size_t r = rt; r < re; ++r) {
          if constexpr (Add) out[c * ldo + r] += a[r * lda + c];
          else out[c * ldo + r] = a[r * lda + c];
        }
      }
    }
  }
}

template <bool Add, class T>
void transpose_into(const T* a, std::size_t R, std::size_t C, std::size_t lda, T* out, std::size_t ldo) {
  std::size_t R8 = 0, C8 = 0;  // the part the 8 x 8 vector blocks cover
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, float>) {
    if (has_avx2()) {
      transpose_blocks<Add>(a, R, C, lda, out, ldo);
      R8 = R / 8 * 8;
      C8 = C / 8 * 8;
    }
  }
#endif
  transpose_rect<Add>(a, lda, out, ldo, R8, R, 0, C);   // the last rows, all columns
  transpose_rect<Add>(a, lda, out, ldo, 0, R8, C8, C);  // the last columns of the other rows
}

}  // namespace

template <class T>
AE_KERNEL std::size_t count_nonzero(const T* x, std::size_t n) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += x[i] != T(0) ? 1 : 0;
  return count;
}

namespace {

// compress_rows, with the AVX2 code for float when Vector and the target has it, else one
// value at a time. Branch-free: every entry is written at the next free slot, which advances
// past nonzeros only (a data-dependent branch would mispredict on most sparse inputs).
template <bool Vector, class T>
void compress_rows_with(const T* x, std::size_t R, std::size_t C, std::uint32_t* start,
                        std::uint32_t* index, T* values) {
  std::uint32_t n = 0;
  for (std::size_t r = 0; r < R; ++r) {
    start[r] = n;
    const T* row = x + r * C;
    std::size_t c = 0;
#if defined(__x86_64__)
    if constexpr (Vector && std::is_same_v<T, float>) {
      if (has_avx2()) n = compress_row_avx2(row, C, n, index, values, c);
    }
#endif
    for (; c < C; ++c) {
      index[n] = static_cast<std::uint32_t>(c);
      values[n] = row[c];
      n += row[c] != T(0) ? 1u : 0u;
    }
  }
  start[R] = n;
}

}  // namespace

template <class T>
AE_KERNEL void compress_rows(const T* x, std::size_t R, std::size_t C, std::uint32_t* start,
                   std::uint32_t* index, T* values) {
  compress_rows_with<true>(x, R, C, start, index, values);
}

template <class T>
void compress_rows_ref(const T* x, std::size_t R, std::size_t C, std::uint32_t* start,
                       std::uint32_t* index, T* values) {
  compress_rows_with<false>(x, R, C, start, index, values);
}

template <class T>
AE_KERNEL void transpose_compressed(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                          std::size_t R, std::size_t C, std::uint32_t* t_start, std::uint32_t* t_index,
                          T* t_values) {
  // Counting sort by column. t_start[c] first counts column c - 1's entries, then serves as
  // column c's fill position and ends as column c + 1's start; rows stay increasing within
  // each column because the rows are visited in order.
  std::fill(t_start, t_start + C + 1, 0u);
  for (std::uint32_t j = 0; j < start[R]; ++j) ++t_start[index[j] + 1];
  for (std::size_t c = 0; c < C; ++c) t_start[c + 1] += t_start[c];
  for (std::size_t r = 0; r < R; ++r) {
    for (std::uint32_t j = start[r]; j < start[r + 1]; ++j) {
      const std::uint32_t at = t_start[index[j]]++;
      t_index[at] = static_cast<std::uint32_t>(r);
      t_values[at] = values[j];
    }
  }
  for (std::size_t c = C; c > 0; --c) t_start[c] = t_start[c - 1];
  t_start[0] = 0;
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

namespace {

// sparse_gemm over the output columns [n0, N) in panels of V vectors; returns where the
// panels ended (the columns left are fewer than one panel).
template <std::size_t V, class T>
std::size_t sparse_panels(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                          std::size_t R, std::size_t K, const T* b, bool b_transposed, std::size_t N,
                          T* c, T* panel, std::uint32_t* cursor, std::size_t n0) {
  constexpr std::size_t L = kLanes<T>, W = V * L;
  for (; n0 + W <= N; n0 += W) {
    std::copy(start, start + R, cursor);
    for (std::size_t k0 = 0; k0 < K; k0 += kSparseBlock) {
      const std::size_t k1 = std::min(K, k0 + kSparseBlock);
      if (b_transposed) {
        transpose_into<false>(b + n0 * K + k0, W, k1 - k0, K, panel, W);
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
  return n0;
}

#if defined(__x86_64__)
bool has_avx512() { return __builtin_cpu_supports("avx512f") != 0; }

// acc[0..8) += value * row[0..128), sixteen floats a register.
__attribute__((target("avx512f"), always_inline)) inline void add_scaled_row(float value, const float* row,
                                                                             __m512* acc) {
  const __m512 v = _mm512_set1_ps(value);
#pragma GCC unroll 8
  for (std::size_t t = 0; t < 8; ++t) acc[t] = _mm512_fmadd_ps(v, _mm512_loadu_ps(row + t * 16), acc[t]);
}

// Adds two rows' nonzeros, j0 up to e0 into a0 and j1 up to e1 into a1 (when Limited, each
// row stopping at its first column index >= limit): side by side while both have some
// (sixteen chains of multiply-adds in flight), then each row's rest alone. Column k's row
// of b starts at base + k * stride. Leaves j0 and j1 where the rows stopped. Without the
// limit the loops test no index (sparse_transposed_avx512 testing against the largest index
// took 73 us against 49 in BM_SparseParts/6, Zen 5).
template <bool Limited>
__attribute__((target("avx512f"), always_inline)) inline void add_row_pair(
    const std::uint32_t* index, const float* values, const float* base, std::size_t stride, std::size_t limit,
    std::uint32_t& j0, std::uint32_t e0, std::uint32_t& j1, std::uint32_t e1, __m512* a0, __m512* a1) {
  const auto more = [&](std::uint32_t j, std::uint32_t end) {
    if constexpr (Limited) return j < end && index[j] < limit;
    else return j < end;
  };
  for (; more(j0, e0) && more(j1, e1); ++j0, ++j1) {
    add_scaled_row(values[j0], base + std::size_t{index[j0]} * stride, a0);
    add_scaled_row(values[j1], base + std::size_t{index[j1]} * stride, a1);
  }
  for (; more(j0, e0); ++j0) add_scaled_row(values[j0], base + std::size_t{index[j0]} * stride, a0);
  for (; more(j1, e1); ++j1) add_scaled_row(values[j1], base + std::size_t{index[j1]} * stride, a1);
}

// sparse_panels for float in panels of kSparsePanel columns, eight 16-float AVX-512 registers
// a row, two rows at a time: sixteen chains of multiply-adds in flight, enough to keep both
// FMA units of a 512-bit core busy (one row's eight chains wait on the FMA latency; eight
// 8-float registers fill half the width). Each output is the same chain of fused multiply-adds
// as in the 8-float panels, so the sums are the same bits. A b not transposed is read in
// place (its rows are in cache either way).
__attribute__((target("avx512f"))) std::size_t sparse_panels_avx512(
    const std::uint32_t* start, const std::uint32_t* index, const float* values, std::size_t R, std::size_t K,
    const float* b, bool b_transposed, std::size_t N, float* c, float* panel, std::uint32_t* cursor) {
  constexpr std::size_t V = 8, L = 16, W = V * L;
  static_assert(W == kSparsePanel);
  std::size_t n0 = 0;
  for (; n0 + W <= N; n0 += W) {
    std::copy(start, start + R, cursor);
    for (std::size_t k0 = 0; k0 < K; k0 += kSparseBlock) {
      const std::size_t k1 = std::min(K, k0 + kSparseBlock);
      // Row k of b's block starts at base + k * stride.
      const float* base = b + n0;
      std::size_t stride = N;
      if (b_transposed) {
        transpose_into<false>(b + n0 * K + k0, W, k1 - k0, K, panel, W);
        base = panel - k0 * W;
        stride = W;
      }
      const auto in_block = [&](std::uint32_t j, std::uint32_t end) { return j < end && index[j] < k1; };
      // Rows r and r + 1 (r + 1 < R when pair): load (or zero) their panels, add the block's
      // nonzeros of both.
      for (std::size_t r = 0; r < R; r += 2) {
        const bool pair = r + 1 < R;
        std::uint32_t j0 = cursor[r], j1 = pair ? cursor[r + 1] : 0;
        const std::uint32_t e0 = start[r + 1], e1 = pair ? start[r + 2] : 0;
        float* out0 = c + r * N + n0;
        float* out1 = out0 + N;
        if (!in_block(j0, e0) && !in_block(j1, e1)) {
          if (k0 == 0) {
            std::fill(out0, out0 + W, 0.0f);
            if (pair) std::fill(out1, out1 + W, 0.0f);
          }
          continue;
        }
        __m512 a0[V], a1[V];
#pragma GCC unroll 8
        for (std::size_t t = 0; t < V; ++t) {
          a0[t] = k0 > 0 ? _mm512_loadu_ps(out0 + t * L) : _mm512_setzero_ps();
          a1[t] = k0 > 0 && pair ? _mm512_loadu_ps(out1 + t * L) : _mm512_setzero_ps();
        }
        add_row_pair<true>(index, values, base, stride, k1, j0, e0, j1, e1, a0, a1);
#pragma GCC unroll 8
        for (std::size_t t = 0; t < V; ++t) _mm512_storeu_ps(out0 + t * L, a0[t]);
        cursor[r] = j0;
        if (pair) {
#pragma GCC unroll 8
          for (std::size_t t = 0; t < V; ++t) _mm512_storeu_ps(out1 + t * L, a1[t]);
          cursor[r + 1] = j1;
        }
      }
    }
  }
  return n0;
}

// lo in the low half, hi in the high half (masked inserts into zeros: the plain insert and
// the 256-to-512 casts read an undefined register, which GCC 12 warns about).
__attribute__((target("avx512f"), always_inline)) inline __m512 join(__m256 lo, __m256 hi) {
  const __m512d zero = _mm512_setzero_pd();
  const __m512d low = _mm512_mask_insertf64x4(zero, 0xFF, zero, _mm256_castps_pd(lo), 0);
  return _mm512_castpd_ps(_mm512_mask_insertf64x4(low, 0xFF, low, _mm256_castps_pd(hi), 1));
}

// The 16 x W tile (row stride W) into 16 columns of the output: tile column n becomes the
// 16 floats at out + n * ldo, one 64-byte store each. Where those are whole cache lines (out
// and the row stride aligned to 64 bytes) the stores are non-temporal: the output is a weight
// gradient arena, and the thread that sums the arenas for the update (often the other core)
// last read these lines, so an ordinary store must first take each line back from that core's
// cache; a streaming store of a whole line does not. The caller fences.
__attribute__((target("avx512f"))) void tile16_to_columns(const float* tile, std::size_t W, float* out,
                                                          std::size_t ldo) {
  const bool whole_lines = reinterpret_cast<std::uintptr_t>(out) % 64 == 0 && ldo % 16 == 0;
  for (std::size_t c0 = 0; c0 < W; c0 += 16) {
    __m256 q[4][8];  // the four 8 x 8 blocks: rows 0-7 and 8-15 of columns c0.. and c0 + 8..
    for (std::size_t i = 0; i < 8; ++i) {
      q[0][i] = _mm256_load_ps(tile + i * W + c0);
      q[1][i] = _mm256_load_ps(tile + (8 + i) * W + c0);
      q[2][i] = _mm256_load_ps(tile + i * W + c0 + 8);
      q[3][i] = _mm256_load_ps(tile + (8 + i) * W + c0 + 8);
    }
    for (auto& block : q) transpose8(block);
    for (std::size_t i = 0; i < 16; ++i) {
      const std::size_t h = i < 8 ? 0 : 2;  // columns c0 + i come from blocks 0 and 1, c0 + 8 + i from 2 and 3
      const __m512 column = join(q[h][i % 8], q[h + 1][i % 8]);
      float* o = out + (c0 + i) * ldo;
      if (whole_lines) {
        _mm512_stream_ps(o, column);
      } else {
        _mm512_storeu_ps(o, column);
      }
    }
  }
}

// (a b)^T into ct (N, R) for float where N is a multiple of kSparsePanel: the rows of a b in
// groups of 16, each row's panel summed over all its nonzeros in eight 16-float registers
// (two rows at a time by add_row_pair, as in sparse_panels_avx512, b read in place), stored
// into a 16-row tile (8 KB, in L1) that is then transposed into ct. Spares writing a b whole
// and reading it back to transpose it. Each output is the same chain of fused multiply-adds
// from zero.
__attribute__((target("avx512f"))) void sparse_transposed_avx512(const std::uint32_t* start,
                                                                 const std::uint32_t* index, const float* values,
                                                                 std::size_t R, const float* b, std::size_t N,
                                                                 float* ct) {
  constexpr std::size_t V = 8, L = 16, W = V * L, kRows = 16;
  static_assert(W == kSparsePanel);
  alignas(64) float tile[kRows * W];
  for (std::size_t n0 = 0; n0 < N; n0 += W) {
    for (std::size_t r0 = 0; r0 < R; r0 += kRows) {
      const std::size_t rows = std::min(kRows, R - r0);
      for (std::size_t t = 0; t < rows; t += 2) {
        const std::size_t r = r0 + t;
        const bool pair = t + 1 < rows;
        std::uint32_t j0 = start[r], j1 = pair ? start[r + 1] : 0;
        const std::uint32_t e0 = start[r + 1], e1 = pair ? start[r + 2] : 0;
        __m512 a0[V], a1[V];
#pragma GCC unroll 8
        for (std::size_t u = 0; u < V; ++u) a0[u] = a1[u] = _mm512_setzero_ps();
        add_row_pair<false>(index, values, b + n0, N, 0, j0, e0, j1, e1, a0, a1);
#pragma GCC unroll 8
        for (std::size_t u = 0; u < V; ++u) {
          _mm512_store_ps(tile + t * W + u * L, a0[u]);
          if (pair) _mm512_store_ps(tile + (t + 1) * W + u * L, a1[u]);
        }
      }
      if (rows == kRows) {
        tile16_to_columns(tile, W, ct + n0 * R + r0, R);
      } else {
        transpose_into<false>(tile, rows, W, W, ct + n0 * R + r0, R);
      }
    }
  }
  _mm_sfence();  // the streaming stores of tile16_to_columns before whatever follows
}
#endif

}  // namespace

template <class T>
AE_KERNEL void sparse_gemm(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                 std::size_t R, std::size_t K, const T* b, bool b_transposed, std::size_t N, T* c,
                 T* panel, std::uint32_t* cursor) {
  // Panels of 128 output columns (8 vectors of 16 floats) where the CPU has AVX-512, of 64
  // (8 vectors of 8 floats), then narrower ones for what is left, and within a panel blocks
  // of 64 of b's rows packed contiguously (32 or 16 KB, in L1). Every row of c keeps its
  // panel in registers while it adds the rows of the block its nonzeros select; cursor[r]
  // remembers where row r's nonzeros continue in the next block. Every output sums its row's
  // nonzeros in order, whatever the panel width.
  std::size_t n0 = 0;
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, float>) {
    if (has_avx512()) n0 = sparse_panels_avx512(start, index, values, R, K, b, b_transposed, N, c, panel, cursor);
  }
#endif
  n0 = sparse_panels<8>(start, index, values, R, K, b, b_transposed, N, c, panel, cursor, n0);
  n0 = sparse_panels<4>(start, index, values, R, K, b, b_transposed, N, c, panel, cursor, n0);
  n0 = sparse_panels<2>(start, index, values, R, K, b, b_transposed, N, c, panel, cursor, n0);
  n0 = sparse_panels<1>(start, index, values, R, K, b, b_transposed, N, c, panel, cursor, n0);
  for (; n0 < N; ++n0) {
    for (std::size_t r = 0; r < R; ++r) {
      T sum = 0;
      for (std::uint32_t j = start[r]; j < start[r + 1]; ++j) {
        sum += values[j] * (b_transposed ? b[n0 * K + index[j]] : b[std::size_t{index[j]} * N + n0]);
      }
      c[r * N + n0] = sum;
    }
  }
}

template <class T>
AE_KERNEL void sparse_gemm_transposed(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                                      std::size_t R, std::size_t K, const T* b, std::size_t N, T* ct, T* scratch,
                                      T* panel, std::uint32_t* cursor) {
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, float>) {
    if (has_avx512() && N % kSparsePanel == 0) return sparse_transposed_avx512(start, index, values, R, b, N, ct);
  }
#endif
  sparse_gemm(start, index, values, R, K, b, false, N, scratch, panel, cursor);
  transpose(scratch, R, N, ct);
}

template <class T>
AE_KERNEL void transpose(const T* a, std::size_t R, std::size_t C, T* at) {
  transpose_into<false>(a, R, C, C, at, R);
}

template <class T>
AE_KERNEL void add_transposed(const T* a, std::size_t R, std::size_t C, T* c) {
  transpose_into<true>(a, R, C, C, c, R);
}

template <class T>
void transpose_ref(const T* a, std::size_t R, std::size_t C, T* at) {
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t c = 0; c < C; ++c) at[c * R + r] = a[r * C + c];
  }
}

template <class T>
void add_transposed_ref(const T* a, std::size_t R, std::size_t C, T* c) {
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t j = 0; j < C; ++j) c[j * R + r] += a[r * C + j];
  }
}

#define AE_SPARSE_INSTANTIATE(T)                                                                  \
  template std::size_t count_nonzero<T>(const T*, std::size_t);                                   \
  template void compress_rows<T>(const T*, std::size_t, std::size_t, std::uint32_t*,               \
                                 std::uint32_t*, T*);                                              \
  template void compress_rows_ref<T>(const T*, std::size_t, std::size_t, std::uint32_t*,           \
                                     std::uint32_t*, T*);                                          \
  template void transpose_compressed<T>(const std::uint32_t*, const std::uint32_t*, const T*,      \
                                        std::size_t, std::size_t, std::uint32_t*, std::uint32_t*,  \
                                        T*);                                                       \
  template void sparse_gemm_ref<T>(const std::uint32_t*, const std::uint32_t*, const T*,           \
                                   std::size_t, const T*, std::size_t, T*);                        \
  template void sparse_gemm<T>(const std::uint32_t*, const std::uint32_t*, const T*, std::size_t,  \
                               std::size_t, const T*, bool, std::size_t, T*, T*, std::uint32_t*);  \
  template void sparse_gemm_transposed<T>(const std::uint32_t*, const std::uint32_t*, const T*,    \
                                          std::size_t, std::size_t, const T*, std::size_t, T*, T*, \
                                          T*, std::uint32_t*);                                     \
  template void transpose<T>(const T*, std::size_t, std::size_t, T*);                             \
  template void transpose_ref<T>(const T*, std::size_t, std::size_t, T*);                         \
  template void add_transposed<T>(const T*, std::size_t, std::size_t, T*);                        \
  template void add_transposed_ref<T>(const T*, std::size_t, std::size_t, T*);
AE_SPARSE_INSTANTIATE(float)
AE_SPARSE_INSTANTIATE(double)
#undef AE_SPARSE_INSTANTIATE

}  // namespace ae::kernels
