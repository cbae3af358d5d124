// Tests of the HTML report builder: base64 and escaping, the page's structure (sections,
// navigation, embedded images, the image check script), refusals (no alt text, repeated
// ids), and the history CSV reader.
#include "ae/report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "ae/error.hpp"
#include "ae/plot.hpp"

namespace ae {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportBase64, MatchesTheRfc4648TestVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(ReportHtml, EscapesMarkupCharacters) {
  EXPECT_EQ(html_escape("a<b> & \"c\" 'd'"), "a&lt;b&gt; &amp; &quot;c&quot; &#39;d&#39;");
}

ReportDocument sample_document() {
  ReportDocument doc;
  doc.title = "Report <of> model";
  doc.subtitle = "data & more";
  ReportSection a{"summary", "Model", {}};
  a.blocks.push_back(ReportBlock::paragraph("A <b>bold</b> claim"));
  a.blocks.push_back(ReportBlock::preformatted("layer  width\n<input>  784"));
  ReportTable t;
  t.header = {"method", "ROC-AUC"};
  t.rows = {{"autoencoder", "0.93"}, {"pca", "0.81"}};
  a.blocks.push_back(ReportBlock::of(t));
  ReportSection b{"history", "History", {}};
  b.blocks.push_back(ReportBlock::of(ReportFigure{plot_history({1.0, 0.5}, {}, false, ImageFormat::svg), ImageFormat::svg,
                                                  "loss per epoch", "Loss falls."}));
  b.blocks.push_back(ReportBlock::of(ReportFigure{plot_history({1.0, 0.5}, {}, false, ImageFormat::png), ImageFormat::png,
                                                  "loss per epoch again", ""}));
  b.blocks.push_back(ReportBlock::note("nothing else"));
  doc.sections = {a, b};
  doc.footer = "footer text";
  return doc;
}

TEST(ReportHtml, HoldsSectionsNavigationAndEmbeddedImagesOnly) {
  const std::string html = report_html(sample_document());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<section id=\"summary\">"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"history\">"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"#summary\">Model</a>"), std::string::npos);
  EXPECT_NE(html.find("<title>Report &lt;of&gt; model</title>"), std::string::npos);
  EXPECT_NE(html.find("A &lt;b&gt;bold&lt;/b&gt; claim"), std::string::npos);
  EXPECT_NE(html.find("&lt;input&gt;  784"), std::string::npos);
  EXPECT_EQ(count(html, "<img "), 2u);
  EXPECT_EQ(count(html, "<img src=\"data:image/svg+xml;base64,"), 1u);
  EXPECT_EQ(count(html, "<img src=\"data:image/png;base64,"), 1u);
  EXPECT_NE(html.find("alt=\"loss per epoch\""), std::string::npos);
  EXPECT_NE(html.find("<figcaption>Loss falls.</figcaption>"), std::string::npos);
  EXPECT_NE(html.find("dataset.imagesOk"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("break-inside: avoid"), std::string::npos);
  // The SVG's own namespace URL is inside the base64 text; nothing else may refer outside.
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
}

TEST(ReportHtml, AlignsColumnsOfNumbersRight) {
  ReportDocument doc;
  ReportSection s{"t", "T", {}};
  ReportTable t;
  t.header = {"name", "value", "mixed"};
  t.rows = {{"a", "1,234", "7"}, {"b", "12.5%", "n/a"}};
  s.blocks.push_back(ReportBlock::of(t));
  doc.sections = {s};
  const std::string html = report_html(doc);
  EXPECT_NE(html.find("<th class=\"num\">value</th>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">1,234</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">12.5%</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>7</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>a</td>"), std::string::npos);
}

TEST(ReportHtml, RefusesFiguresWithoutAltTextAndRepeatedIds) {
  ReportDocument doc = sample_document();
  doc.sections[1].blocks[0].figure.alt = "";
  EXPECT_THROW(report_html(doc), Error);
  doc = sample_document();
  doc.sections[1].blocks[0].figure.bytes = "";
  EXPECT_THROW(report_html(doc), Error);
  doc = sample_document();
  doc.sections[1].id = "summary";
  EXPECT_THROW(report_html(doc), Error);
  doc.sections[1].id = "";
  EXPECT_THROW(report_html(doc), Error);
}

}  // namespace
}  // namespace ae
