// The self-contained HTML report: escaping, base64 data: URIs, the page's CSS and layout,
// and the history CSV reader. Does not compute anything about models; callers pass text,
// tables and image bytes.
#include "ae/report.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <limits>
#include <set>

#include "ae/error.hpp"

namespace ae {

std::string base64_encode(std::string_view bytes) {
  static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += digits[v >> 18 & 63];
    out += digits[v >> 12 & 63];
    out += digits[v >> 6 & 63];
    out += digits[v & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const std::uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    out += digits[v >> 18 & 63];
    out += digits[v >> 12 & 63];
    out += rest == 2 ? digits[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

ReportBlock text_block(ReportBlock::Kind kind, std::string text) {
  ReportBlock b;
  b.kind = kind;
  b.text = std::move(text);
  return b;
}

}  // namespace

ReportBlock ReportBlock::paragraph(std::string text) { return text_block(Kind::paragraph, std::move(text)); }
ReportBlock ReportBlock::preformatted(std::string text) { return text_block(Kind::preformatted, std::move(text)); }
ReportBlock ReportBlock::note(std::string text) { return text_block(Kind::note, std::move(text)); }

ReportBlock ReportBlock::of(ReportTable table) {
  ReportBlock b;
  b.kind = Kind::table;
  b.table = std::move(table);
  return b;
}

ReportBlock ReportBlock::of(ReportFigure figure) {
  ReportBlock b;
  b.kind = Kind::figure;
  b.figure = std::move(figure);
  return b;
}

namespace {

// Light page, one readable column; figures scale down to the column and never split across
// printed pages.
constexpr const char* kStyle = R"css(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef0f3; color: #1f2328;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
.page { max-width: 1000px; margin: 0 auto; padding: 28px 36px 36px; background: #fff; min-height: 100vh; }
h1 { font-size: 1.65em; line-height: 1.25; margin: 0 0 4px; }
.subtitle { color: #57606a; margin: 0 0 14px; overflow-wrap: anywhere; }
nav { border-top: 1px solid #d0d7de; border-bottom: 1px solid #d0d7de; padding: 6px 0; font-size: 0.92em; }
nav a { color: #0969da; text-decoration: none; margin-right: 16px; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
section { margin-top: 26px; }
h2 { font-size: 1.25em; margin: 0 0 8px; padding-bottom: 4px; border-bottom: 1px solid #eaeef2; }
p { margin: 6px 0 10px; }
.note { color: #57606a; font-style: italic; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 14px; overflow-x: auto;
      font: 12.5px/1.45 ui-monospace, "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 0.93em; }
th, td { padding: 4px 18px 4px 0; border-bottom: 1px solid #d8dee4; text-align: left; vertical-align: top; }
th { font-weight: 600; border-bottom: 2px solid #afb8c1; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 14px 0 22px; break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 0.9em; margin-top: 6px; max-width: 800px; }
footer { color: #8c959f; font-size: 0.85em; margin-top: 36px; border-top: 1px solid #eaeef2; padding-top: 8px; }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  .page { max-width: none; padding: 0; min-height: 0; }
  nav { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, table, pre { break-inside: avoid; page-break-inside: avoid; }
  figure img { max-height: 9in; width: auto; }
  a { color: inherit; text-decoration: none; }
}
)css";

// Counts the images that decoded, for scripts/check-report (headless Chromium dumps the DOM).
constexpr const char* kScript = R"js(
window.addEventListener('load', function () {
  var images = document.images, ok = 0;
  for (var i = 0; i < images.length; i++) {
    if (images[i].complete && images[i].naturalWidth > 0) ok++;
  }
  document.body.dataset.imagesOk = ok + '/' + images.length;
});
)js";

// A cell that is only a number (digits, sign, point, exponent, thousands commas, a trailing %).
bool looks_numeric(std::string_view s) {
  bool digit = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') digit = true;
    else if (std::string_view("+-.,eE%").find(c) == std::string_view::npos) return false;
  }
  return digit;
}

// A column whose non-empty cells are all numbers is aligned right, header included.
void append_table(std::string& html, const ReportTable& table) {
  std::size_t columns = table.header.size();
  for (const auto& row : table.rows) columns = std::max(columns, row.size());
  std::vector<bool> numeric(columns, false), text(columns, false);
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (row[c].empty()) continue;
      (looks_numeric(row[c]) ? numeric : text)[c] = true;
    }
  }
  const auto open = [&](const char* tag, std::size_t c) {
    return std::string("<") + tag + (numeric[c] && !text[c] ? " class=\"num\">" : ">");
  };
  html += "<table>\n";
  if (!table.header.empty()) {
    html += "<thead><tr>";
    for (std::size_t c = 0; c < table.header.size(); ++c) html += open("th", c) + html_escape(table.header[c]) + "</th>";
    html += "</tr></thead>\n";
  }
  html += "<tbody>\n";
  for (const auto& row : table.rows) {
    html += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c) html += open("td", c) + html_escape(row[c]) + "</td>";
    html += "</tr>\n";
  }
  html += "</tbody></table>\n";
}

void append_figure(std::string& html, const ReportFigure& figure, const std::string& section) {
  if (figure.alt.empty()) throw Error(ErrorKind::usage, "report section '" + section + "': a figure has no alt text");
  if (figure.bytes.empty()) throw Error(ErrorKind::usage, "report section '" + section + "': a figure has no image");
  const char* mime = figure.format == ImageFormat::png ? "image/png" : "image/svg+xml";
  html += "<figure>\n<img src=\"data:";
  html += mime;
  html += ";base64,";
  html += base64_encode(figure.bytes);
  html += "\" alt=\"" + html_escape(figure.alt) + "\">\n";
  if (!figure.caption.empty()) html += "<figcaption>" + html_escape(figure.caption) + "</figcaption>\n";
  html += "</figure>\n";
}

}  // namespace

std::string report_html(const ReportDocument& document) {
  std::set<std::string> ids;
  for (const auto& section : document.sections) {
    if (section.id.empty()) throw Error(ErrorKind::usage, "report section '" + section.title + "' has no id");
    if (!ids.insert(section.id).second) throw Error(ErrorKind::usage, "report section id '" + section.id + "' is repeated");
  }
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>" + html_escape(document.title) + "</title>\n<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n<div class=\"page\">\n<header>\n";
  html += "<h1>" + html_escape(document.title) + "</h1>\n";
  if (!document.subtitle.empty()) html += "<p class=\"subtitle\">" + html_escape(document.subtitle) + "</p>\n";
  html += "<nav>";
  for (const auto& section : document.sections) {
    html += "<a href=\"#" + html_escape(section.id) + "\">" + html_escape(section.title) + "</a>\n";
  }
  html += "</nav>\n</header>\n<main>\n";
  for (const auto& section : document.sections) {
    html += "<section id=\"" + html_escape(section.id) + "\">\n<h2>" + html_escape(section.title) + "</h2>\n";
    for (const auto& block : section.blocks) {
      switch (block.kind) {
        case ReportBlock::Kind::paragraph: html += "<p>" + html_escape(block.text) + "</p>\n"; break;
        case ReportBlock::Kind::preformatted: html += "<pre>" + html_escape(block.text) + "</pre>\n"; break;
        case ReportBlock::Kind::note: html += "<p class=\"note\">" + html_escape(block.text) + "</p>\n"; break;
        case ReportBlock::Kind::table: append_table(html, block.table); break;
        case ReportBlock::Kind::figure: append_figure(html, block.figure, section.id); break;
      }
    }
    html += "</section>\n";
  }
  html += "</main>\n";
  if (!document.footer.empty()) html += "<footer>" + html_escape(document.footer) + "</footer>\n";
  html += "</div>\n<script>";
  html += kScript;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace ae
