// Row-major matrices, one sample per row. BasicMatrix owns its storage; BasicMatrixView
// borrows it. float is the working type; double exists so gradient checks can run exactly.
#pragma once
#include <cstddef>
#include <new>
#include <span>
#include <vector>

namespace ae {

// 64-byte aligned storage for scratch buffers. BLAS kernels may round differently depending on
// how their inputs are aligned, so buffers whose address could otherwise depend on which
// thread allocated them use this to keep results reproducible.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlignment); }
  friend bool operator==(const AlignedAllocator&, const AlignedAllocator&) { return true; }
};
template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

template <class T>
struct BasicMatrixView {
  T* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;

  T* row(std::size_t r) const { return data + r * cols; }
  T& operator()(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
  std::size_t size() const { return rows * cols; }
  std::span<T> span() const { return {data, size()}; }
  // Rows [first, first + count).
  BasicMatrixView rows_range(std::size_t first, std::size_t count) const {
    return {data + first * cols, count, cols};
  }
  operator BasicMatrixView<const T>() const { return {data, rows, cols}; }
};

template <class T>
class BasicMatrix {
 public:
  BasicMatrix() = default;
  BasicMatrix(std::size_t rows, std::size_t cols, T fill = T(0))
      : rows_(rows), cols_(cols), data_(rows * cols, fill) {}

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return data_.size(); }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  T* row(std::size_t r) { return data_.data() + r * cols_; }
  const T* row(std::size_t r) const { return data_.data() + r * cols_; }
  T& operator()(std::size_t r, std::size_t c) { return data_[r * cols_ + c]; }
  const T& operator()(std::size_t r, std::size_t c) const { return data_[r * cols_ + c]; }
  std::vector<T>& values() { return data_; }
  const std::vector<T>& values() const { return data_; }

  BasicMatrixView<T> view() { return {data_.data(), rows_, cols_}; }
  BasicMatrixView<const T> view() const { return {data_.data(), rows_, cols_}; }
  operator BasicMatrixView<T>() { return view(); }
  operator BasicMatrixView<const T>() const { return view(); }

  void resize(std::size_t rows, std::size_t cols) {
    rows_ = rows;
    cols_ = cols;
    data_.assign(rows * cols, T(0));
  }

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<T> data_;
};

using Matrix = BasicMatrix<float>;
using MatrixView = BasicMatrixView<float>;
using ConstMatrixView = BasicMatrixView<const float>;

}  // namespace ae
