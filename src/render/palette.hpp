// The palettes' internal part: colours the plots take that the public headers do not offer.
// All colour maps and palettes are defined in palette.cpp.
#pragma once
#include <cstddef>

#include "render/canvas.hpp"

namespace ae::render_detail {

// Colour of histogram group g: the categorical palette without its red, which the threshold
// line uses.
Color group_color(std::size_t g);
// The scatter's continuous colormap (matplotlib's 'viridis', dark purple to yellow), which
// stays visible on white at both ends, unlike the heat map; lo == hi gives its middle.
Color viridis_color(double v, double lo, double hi);

}  // namespace ae::render_detail
