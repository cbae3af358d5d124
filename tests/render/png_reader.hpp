// The render tests' view of a PNG: decoded with cairo, one pixel's colour at a time.
#pragma once
#include <cairo.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "ae/render.hpp"

namespace ae::test {

class Png {
 public:
  // From the bytes of a PNG file; ok() is false when they do not decode.
  explicit Png(std::string bytes) : bytes_(std::move(bytes)), surface_(nullptr, cairo_surface_destroy) {
    surface_.reset(cairo_image_surface_create_from_png_stream(read, this));
    ok_ = cairo_surface_status(surface_.get()) == CAIRO_STATUS_SUCCESS;
    if (ok_) cairo_surface_flush(surface_.get());
  }
  bool ok() const { return ok_; }
  int width() const { return cairo_image_surface_get_width(surface_.get()); }
  int height() const { return cairo_image_surface_get_height(surface_.get()); }
  Rgb at(int x, int y) const {
    const unsigned char* data = cairo_image_surface_get_data(surface_.get());
    const int stride = cairo_image_surface_get_stride(surface_.get());
    std::uint32_t px = 0;
    std::memcpy(&px, data + static_cast<std::ptrdiff_t>(y) * stride + 4 * x, 4);
    return {static_cast<std::uint8_t>(px >> 16), static_cast<std::uint8_t>(px >> 8), static_cast<std::uint8_t>(px)};
  }

 private:
  static cairo_status_t read(void* closure, unsigned char* data, unsigned int length) {
    auto* self = static_cast<Png*>(closure);
    if (self->pos_ + length > self->bytes_.size()) return CAIRO_STATUS_READ_ERROR;
    std::memcpy(data, self->bytes_.data() + self->pos_, length);
    self->pos_ += length;
    return CAIRO_STATUS_SUCCESS;
  }
  std::string bytes_;
  std::size_t pos_ = 0;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface_;
  bool ok_ = false;
};

// Every channel of `got` within `tolerance` of `want`'s; the failure names both colours.
inline ::testing::AssertionResult near(Rgb got, Rgb want, int tolerance = 2) {
  const int d = std::max({std::abs(got.r - want.r), std::abs(got.g - want.g), std::abs(got.b - want.b)});
  if (d <= tolerance) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got (" << int{got.r} << ", " << int{got.g} << ", " << int{got.b}
                                       << "), want (" << int{want.r} << ", " << int{want.g} << ", " << int{want.b}
                                       << ")";
}

}  // namespace ae::test
