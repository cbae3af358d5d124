// The HTML report as a document of plain parts: sections of paragraphs, preformatted text,
// tables and figures (PNG or SVG bytes), turned into one self-contained HTML text with the
// images embedded as base64 data: URIs. Also reads the history CSV the report and the plots
// show. Knows nothing of models or data sets; does not write files.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "ae/plot.hpp"

namespace ae {

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

// The per-epoch losses of a history CSV as the trainer writes it (`epoch,loss,val_loss,
// seconds,lr`; columns found by their header names, so extra or reordered columns are fine).
// An empty cell or "nan" is NaN (val_loss without validation data).
struct HistoryColumns {
  std::vector<double> loss;
  std::vector<double> val_loss;
};
// Throws Error(bad_data) naming `source` and the line for a missing header or loss column, a
// cell that is not a number, a short row, or no rows at all.
HistoryColumns parse_history_csv(std::string_view text, const std::string& source);

}  // namespace ae
