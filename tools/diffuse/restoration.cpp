#include "restoration.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <torch/torch.h>

#include "common_options.h"
#include "option_checks.h"
#include "diffuse/device.h"
#include "diffuse/io/contact_sheet.h"
#include "diffuse/io/grid.h"
#include "diffuse/io/image.h"
#include "diffuse/io/image_file.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/util/error.h"

namespace diffuse::cli {

void add_tile_option(CLI::App& command, int64_t& tile) {
  command.add_option("--tile", tile, "tiles of up to this many pixels square, a multiple of the model's size, for "
                                     "U-Net models, which are fully convolutional (e.g. 256: a 256 x 256 photo in "
                                     "one piece; default 0: the model's own size)")
      ->check(non_negative())
      ->capture_default_str();
}

void add_ensemble_option(CLI::App& command, bool& ensemble) {
  command.add_flag("--ensemble", ensemble, "average the model's answers for the 8 rotations and mirror images of the "
                                           "image (geometric self-ensemble; 8 times the evaluations)");
}

void add_overlap_option(CLI::App& command, int64_t& overlap) {
  command.add_option("--overlap", overlap,
                     "images larger than the model: tile overlap in pixels, at least (default: half the model's "
                     "size for photo models, trained on random crops, so tile edges blend; 0 for others: the fewest "
                     "tiles that cover the image, spread evenly, so a mosaic of whole tiles is cut exactly)")
      ->check(non_negative());
}

void add_restoration_options(CLI::App& command, RestorationArguments& args, const std::string& input_help,
                             const std::string& compare_help) {
  command.add_option("--run", args.run, "run directory of an image model")->required();
  command.add_option("--input", args.input, input_help)->required();
  command.add_option("--out", args.out, "where to write the result: .png (8 bits) or .npy (float, 0-255 units, not rounded)")->required();
  command.add_option("--compare", args.compare, "also write " + compare_help + " side by side to this PNG");
  add_overlap_option(command, args.overlap);
  add_tile_option(command, args.tile);
  add_ensemble_option(command, args.ensemble);
  command.add_flag("--no-ema", args.no_ema, "use the raw weights instead of the EMA weights");
  add_precision_option(command, args.precision, "what the network computes in");
  add_device_option(command, args.device);
  command.add_flag("--quiet", args.quiet, "no progress bar");
  add_class_options(command, args.classes, "");
}

void check_restoration_destinations(const RestorationArguments& args) {
  check_image_destination(args.out, "--out");
  if (!args.compare.empty()) check_png_destination(args.compare, "--compare");
}

RestorationModel load_restoration_model(const RestorationArguments& args) {
  const torch::Device device = device_from_string(args.device);
  const Precision precision = precision_from_string(args.precision);
  auto model = std::make_shared<TrainedModel>(load_trained_model(args.run, !args.no_ema));
  check_restoration_model(*model, args.run, args.tile);  // before the classes and the device, as it always was
  const std::vector<int64_t> classes = chosen_classes(args.classes, model->config);
  check(classes.size() <= 1, "--class all applies to diffuse sample; give one class for an image");
  model->network->to(device);
  RestorationSetup setup;
  setup.overlap = args.overlap;
  setup.tile = args.tile;
  setup.ensemble = args.ensemble;
  if (!classes.empty()) setup.class_label = classes.front();
  std::shared_ptr<const Denoiser> denoiser = class_denoiser(make_denoiser(*model, precision), args.classes, model->config);
  return make_restoration_model(std::move(model), args.run, std::move(denoiser), setup, device);
}

std::vector<DenoiseMethod> parse_denoise_methods(const std::string& text) {
  std::vector<DenoiseMethod> methods;
  std::stringstream stream(text);
  for (std::string name; std::getline(stream, name, ',');) methods.push_back(denoise_method_from_string(name));
  return methods;
}

torch::Tensor load_model_image(const RestorationModel& model, const std::string& path) {
  return model_image(model, load_image_file(path), path);
}

GenerationRecord restoration_record(const std::string& command, const RestorationArguments& args,
                                    const RestorationModel& model) {
  GenerationRecord record(command);
  record.add("run", args.run).add("input", args.input).add("weights", args.no_ema ? "raw" : "ema");
  record.add("overlap", model.denoiser->overlap());
  if (args.tile > 0) record.add("tile", args.tile);
  if (args.ensemble) record.add("ensemble", "8 symmetries");
  add_classes_to_record(record, args.classes);
  record.add("precision", args.precision).add("device", args.device);
  return record;
}

void write_model_image(const std::string& path, const torch::Tensor& image, const PngText& text) {
  save_image_file(path, image.squeeze(0).to(torch::kCPU), text);
  std::printf("wrote %s\n", path.c_str());
}

void write_comparison(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& images,
                      const std::string& title, const PngText& text) {
  std::vector<Canvas> row;
  std::vector<std::string> labels;
  for (const auto& [label, image] : images) {
    row.push_back(to_display_canvas(image.squeeze(0).to(torch::kCPU), 256));
    labels.push_back(label);
  }
  save_png(path, render_contact_sheet({row}, {""}, labels, title), text);
  std::printf("wrote %s\n", path.c_str());
}

std::function<void(int64_t, int64_t)> EvaluationProgress::callback() {
  if (quiet_) return {};
  return [this](int64_t done, int64_t total) {
    evaluations_ = total;
    evaluations_done_ = done;
    tiles_done_ = 0;
    draw();
  };
}

std::function<void(int64_t, int64_t)> EvaluationProgress::tile_callback() {
  if (quiet_) return {};
  return [this](int64_t done, int64_t total) {
    tiles_per_evaluation_ = total;
    tiles_done_ = done;
    draw();
  };
}

void EvaluationProgress::draw() {
  const bool tiles = tiles_per_evaluation_ > 0;
  const int64_t scale = tiles ? tiles_per_evaluation_ : 1;
  // Created at the first report, so that its rate starts with the work.
  if (!bar_) bar_ = std::make_unique<ProgressBar>(label_, std::max<int64_t>(evaluations_, 1) * scale);
  if (tiles) {
    bar_->set_counter("step " + std::to_string(std::min(evaluations_done_ + 1, evaluations_)) + "/" +
                      std::to_string(evaluations_) + ", tile " + std::to_string(tiles_done_) + "/" +
                      std::to_string(tiles_per_evaluation_));
  }
  bar_->update(evaluations_done_ * scale + (tiles_done_ < scale ? tiles_done_ : 0));
}

void EvaluationProgress::finish() {
  if (bar_) bar_->finish();
}

}  // namespace diffuse::cli
