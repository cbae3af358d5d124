// ae encode / decode / reconstruct: apply a model's halves to a data file. encode and
// reconstruct stream their input a block of rows at a time and write rows as they come, so
// memory stays bounded whatever the file's size; decode reads its embeddings whole.
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ae/data_stream.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "common.hpp"

namespace ae::cli {
namespace {

// Writes rows as NPY or CSV by the output name's extension; CSV on stdout without --out and
// into a device or pipe.
void write_rows(const std::string& out, const Matrix& rows, const std::string& column_prefix) {
  std::vector<std::string> header;
  for (std::size_t c = 0; c < rows.cols(); ++c) header.push_back(column_prefix + std::to_string(c));
  if (out.empty() || out == "-") {
    write_csv(stdout, "standard output", rows.view(), header);
  } else if (out.ends_with(".npy")) {
    write_npy(out, rows.view());
  } else if (out.ends_with(".csv") || is_stream(out)) {
    write_csv(out, rows.view(), header);
  } else {
    throw Error(ErrorKind::usage, "--out " + out + ": use a .npy or .csv name (or - for CSV on stdout)");
  }
}

void check_out_name(const std::string& out) {
  if (!(out.empty() || out == "-" || out.ends_with(".npy") || out.ends_with(".csv") || is_stream(out))) {
    throw Error(ErrorKind::usage, "--out " + out + ": use a .npy or .csv name (or - for CSV on stdout)");
  }
}

// Streams the data file through `apply` (a normalised block in, its output rows out) into
// `out`. The first block is computed before the output is opened, so that a bad width or
// normaliser fails before anything is written.
void stream_rows(const std::string& data_path, const ModelInfo& info, const std::string& out,
                 const std::string& column_prefix, const std::function<Matrix(const Dataset&)>& apply) {
  check_out_name(out);
  DataStream stream(data_path, stream_block_rows());
  std::optional<TableWriter> writer;
  Dataset block;
  while (stream.next(block)) {
    normalize(block, info.normalizer);
    const Matrix rows = apply(block);
    if (!writer) {
      std::vector<std::string> header;
      for (std::size_t c = 0; c < rows.cols(); ++c) header.push_back(column_prefix + std::to_string(c));
      writer.emplace(out, table_kind(out), stream.rows(), header);
    }
    writer->write(rows.view());
  }
  writer->commit();
}

struct Flags {
  std::string model, data, out;
  std::string precision = "fp32";
};

CLI::App* add_common(CLI::App& root, const std::string& name, const std::string& help,
                     const std::string& data_help, Flags& f) {
  CLI::App* app = root.add_subcommand(name, help);
  app->add_option("model", f.model, "Model file (.safetensors)")->required();
  app->add_option("--data", f.data, data_help)->required();
  app->add_option("--out", f.out, "Output .npy or .csv (default: CSV on stdout)");
  add_precision_flag(*app, f.precision);
  return app;
}

}  // namespace

Command add_encode(CLI::App& root) {
  auto f = std::make_shared<Flags>();
  CLI::App* app = add_common(root, "encode", "Embed samples: one row of K values per sample",
                             "Data to embed (IDX[.gz], NPY or CSV)", *f);
  return {app, [f]() {
            const Precision precision = checked_precision(f->precision);
            Model model = load_model(f->model);
            model.autoencoder.set_precision(precision);
            stream_rows(f->data, model.info, f->out, "z",
                        [&model](const Dataset& block) { return encode_all(model.autoencoder, block); });
            return 0;
          }};
}

Command add_decode(CLI::App& root) {
  auto f = std::make_shared<Flags>();
  CLI::App* app = add_common(root, "decode", "Decode embeddings back into samples",
                             "Embeddings (NPY or CSV, K columns)", *f);
  return {app, [f]() {
            const Precision precision = checked_precision(f->precision);
            Model model = load_model(f->model);
            model.autoencoder.set_precision(precision);
            const Dataset data = load_data(f->data);
            Matrix rows = decode_all(model.autoencoder, data.to_matrix().view());
            denormalize(rows.view(), model.info.normalizer);
            write_rows(f->out, rows, "x");
            return 0;
          }};
}

Command add_reconstruct(CLI::App& root) {
  auto f = std::make_shared<Flags>();
  CLI::App* app = add_common(root, "reconstruct", "Encode and decode samples (the model's rebuild)",
                             "Data to reconstruct (IDX[.gz], NPY or CSV)", *f);
  return {app, [f]() {
            const Precision precision = checked_precision(f->precision);
            Model model = load_model(f->model);
            model.autoencoder.set_precision(precision);
            stream_rows(f->data, model.info, f->out, "x", [&model](const Dataset& block) {
              Matrix rows = reconstruct_all(model.autoencoder, block);
              denormalize(rows.view(), model.info.normalizer);
              return rows;
            });
            return 0;
          }};
}

}  // namespace ae::cli
