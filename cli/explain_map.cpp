// ae explain --map: a PNG with one row per explained row: the original, the reconstruction
// and the map of its per-feature score terms (heat), the top features listed in the label.
// Rows that are not images are drawn as bar charts.
#include "explain_map.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "ae/render.hpp"

namespace ae::cli {

void write_explain_map(const std::string& path, const std::string& title, const std::vector<RowExplanation>& rows,
                       const std::vector<std::size_t>& image_shape, ScoreKind kind) {
  if (rows.empty()) throw Error(ErrorKind::usage, "--map: no rows to draw (none flagged and no --rows)");
  const bool image = image_shape.size() == 2;
  const std::size_t h = image ? image_shape[0] : 0, w = image ? image_shape[1] : 0;
  float lo = 0, hi = 0, top = 0;
  bool first = true;
  for (const RowExplanation& e : rows) {
    for (const auto* v : {&e.values, &e.reconstruction}) {
      const auto [a, b] = std::minmax_element(v->begin(), v->end());
      lo = first ? *a : std::min(lo, *a);
      hi = first ? *b : std::max(hi, *b);
      first = false;
    }
    top = std::max(top, *std::max_element(e.terms.begin(), e.terms.end()));
  }
  const PanelStyle data_style = image ? PanelStyle::gray : PanelStyle::bars;
  const std::string term_title = std::string(score_name(kind)) + " term";
  std::vector<GridRow> grid;
  for (const RowExplanation& e : rows) {
    std::string label = "row " + std::to_string(e.row);
    char buf[64];
    std::snprintf(buf, sizeof buf, "\nscore %.4g\ntop:", static_cast<double>(e.score));
    label += buf;
    for (std::size_t n = 0; n < std::min<std::size_t>(3, e.top.size()); ++n) {
      const std::size_t j = e.top[n].feature;
      if (image) std::snprintf(buf, sizeof buf, "%s(%zu,%zu)", n == 0 ? " " : ", ", j / w, j % w);
      else std::snprintf(buf, sizeof buf, "%s%zu", n == 0 ? " " : ", ", j);
      label += buf;
    }
    grid.push_back({label, false,
                    {{"original", data_style, h, w, e.values, lo, hi},
                     {"reconstruction", data_style, h, w, e.reconstruction, lo, hi},
                     {term_title, image ? PanelStyle::heat : PanelStyle::bars, h, w, e.terms, 0.0f, top > 0 ? top : 1.0f}}});
  }
  render_grid_png(path, title, grid);
}

}  // namespace ae::cli
