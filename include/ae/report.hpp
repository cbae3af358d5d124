// The HTML report of a model on a data set: build_report scores the rows, embeds them, draws
// the figures and gathers them with tables and text into a document of plain parts
// (sections of paragraphs, preformatted text, tables and figures), which report_html turns
// into one self-contained HTML text with the images embedded as base64 data: URIs. Also the
// views the report shares with the tool (sample galleries, latent maps, image shapes) and
// the history CSV reader. Never prints and writes no files: progress is a callback, and the
// caller writes the text.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/matrix.hpp"
#include "ae/model_file.hpp"
#include "ae/plot.hpp"
#include "ae/score.hpp"
#include "ae/trainer.hpp"

namespace ae {

// ---- the document ----

// Standard base64 (RFC 4648, '+' '/', '=' padding, no line breaks).
std::string base64_encode(std::string_view bytes);
// Escapes & < > " ' for HTML text and attribute values.
std::string html_escape(std::string_view text);

struct ReportTable {
  std::vector<std::string> header;             // column titles; no header row when empty
  std::vector<std::vector<std::string>> rows;  // cell texts; a column of numbers aligns right
};

struct ReportFigure {
  std::string bytes;  // the whole PNG or SVG file
  ImageFormat format = ImageFormat::png;
  std::string alt;      // what the image shows, for readers who cannot see it; required
  std::string caption;  // shown under the image; may be empty
};

struct ReportBlock {
  enum class Kind { paragraph, preformatted, note, table, figure };
  Kind kind = Kind::paragraph;
  std::string text;  // paragraph, preformatted and note
  ReportTable table;
  ReportFigure figure;

  static ReportBlock paragraph(std::string text);
  static ReportBlock preformatted(std::string text);
  static ReportBlock note(std::string text);  // a muted remark, e.g. why a part is missing
  static ReportBlock of(ReportTable table);
  static ReportBlock of(ReportFigure figure);
};

struct ReportSection {
  std::string id;     // the element id and the navigation anchor, e.g. "scores"
  std::string title;  // the heading and the navigation text
  std::vector<ReportBlock> blocks;
};

struct ReportDocument {
  std::string title;     // <title> and the page heading
  std::string subtitle;  // one line under the heading; may be empty
  std::vector<ReportSection> sections;
  std::string footer;    // one line at the bottom; may be empty
};

// One HTML5 page: inline CSS (at most ~1000 px wide, print rules that keep figures and tables
// on one page), a navigation line, the sections in order, and a small inline script that on
// load sets document.body.dataset.imagesOk to "N/M" (images decoded / images), which
// scripts/check-report reads. Every text is escaped; nothing refers outside the page. Throws
// Error(usage) for a figure without alt text or bytes, or an empty or repeated section id.
std::string report_html(const ReportDocument& document);

// ---- the report of a model on a data set ----

struct ReportInputs {
  Model* model = nullptr;            // required
  std::string model_name;            // shown in the title, e.g. the model file's path
  const Dataset* data = nullptr;     // required: the rows to score and show
  const Dataset* val = nullptr;      // optional: reference rows, drawn beside in the histogram
  std::vector<std::int64_t> labels;  // class per row of data, or empty (colours the latent map)
  std::vector<std::uint8_t> truth;   // 1 = outlier per row of data, or empty (metrics)
  History history;                   // per-epoch losses; empty leaves the plot out
  // The model's saved score statistics; when empty they are fitted on `data` (a stage).
  ScoreCalibration calibration;
  ScoreKind score = kDefaultScore;
  Threshold threshold;               // default: contamination=0.01
  // The notes shown where the history or the labels are missing; a caller may say how to
  // supply them in its own terms (e.g. a tool's options).
  std::string no_history_note = "No history given.";
  std::string no_labels_note = "No labels given.";
};

// A stage of build_report starting: its number (1 first), how many stages there are in all,
// and what it does, e.g. "scoring 10,000 rows (zsae)".
using ReportProgress = std::function<void(int stage, int stages, const std::string& what)>;

// Summary, training record, history, score histogram, metrics against the truth (with a PCA
// baseline of K components, fitted on at most 20,000 evenly spaced rows), the top outliers
// and typical rows as sample galleries, the latent map and the mean squared error per
// feature. Throws Error(usage) for no rows, a width that is not the model's, or a score
// without training statistics; Error(internal) for missing model or data or truth / labels
// of the wrong size.
ReportDocument build_report(const ReportInputs& inputs, const ReportProgress& progress = {});

// ---- views shared with the tool ----

// The image shape of the rows (the data's own, else the model's), or empty when they are not
// images of that width.
std::vector<std::size_t> image_shape_of(const Dataset& data, const ModelInfo& info);

// One row of a sample gallery: which data row, the label at its left, and whether to frame it.
struct SampleRow {
  std::size_t row = 0;
  std::string label;
  bool highlight = false;
};
// A PNG grid of the rows: original, embedding (when with_embedding; one scale, [0, 1] for a
// sigmoid bottleneck), reconstruction and |error|; images when image_shape is {h, w}, else
// bars. Originals and reconstructions share the data's range ([0, 1] for byte data), errors
// the largest shown. Throws Error(usage) naming the data for a row past its end.
std::string sample_gallery(Autoencoder& model, const Dataset& data,
                           const std::vector<std::size_t>& image_shape,
                           const std::vector<SampleRow>& rows, const std::string& title,
                           bool with_embedding);

// Embeddings (N x K) as scatter points: K = 1 as (z, 0), K = 2 as they are, K > 2 as the
// first two principal components; axis labels and a sentence saying which.
struct LatentPoints {
  std::vector<double> x, y;
  std::string x_label, y_label, note;
};
LatentPoints latent_points(const Matrix& z);

}  // namespace ae
