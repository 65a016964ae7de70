#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <torch/types.h>

#include "class_options.h"
#include "diffuse/apps/denoise.h"
#include "diffuse/apps/restoration_model.h"
#include "generation_record.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/util/progress.h"

namespace diffuse::cli {

// The options denoise, inpaint and img2img share.
struct RestorationArguments {
  std::string run, input, out, compare, precision = "fp32", device = "cpu";
  // Tile overlap in pixels; -1: half the model's size for a model trained on
  // random crops of photos (no grid in the content, tile edges must blend),
  // else 0, the fewest tiles, spread evenly (a mosaic of digits cut exactly).
  int64_t overlap = -1;
  int64_t tile = 0;     // tiles of the model's own size; else k times it (fully convolutional models)
  bool no_ema = false, quiet = false;
  bool ensemble = false;  // average over the 8 symmetries of the square (apps/symmetry_ensemble.h)
  ClassArguments classes;  // conditional runs: --class and --guidance
};
// Registers --run, --input, --out, --compare, --overlap, --tile, --ensemble, --no-ema, --precision, --device, --class, --guidance and --quiet.
void add_restoration_options(CLI::App& command, RestorationArguments& args, const std::string& input_help,
                             const std::string& compare_help);
// Registers --overlap, --tile and --ensemble (RestorationArguments::overlap, ::tile, ::ensemble).
void add_overlap_option(CLI::App& command, int64_t& overlap);
void add_tile_option(CLI::App& command, int64_t& tile);
void add_ensemble_option(CLI::App& command, bool& ensemble);
// Checks the output names before any work.
void check_restoration_destinations(const RestorationArguments& args);

// The model of --run with the weights, tiling, precision and device the
// arguments ask for. Throws Error for runs that do not make images, and for
// an unavailable device before anything is loaded.
RestorationModel load_restoration_model(const RestorationArguments& args);

// A comma-separated list of denoising methods (--methods posterior,ddim).
std::vector<DenoiseMethod> parse_denoise_methods(const std::string& text);

// An image file as a batch of one [1, C, H, W] in the model's data scale, on the model's device.
// A colour file whose three channels are equal counts as grey. Throws Error
// naming the file when its channels do not match the model's.
torch::Tensor load_model_image(const RestorationModel& model, const std::string& path);

// The parameters every restoration command records (PNG text chunks): the
// command, run, input, weights, tiling, class and guidance; commands add
// their own (sigma, strength, steps, seed). The overlap is the model's tiler's.
GenerationRecord restoration_record(const std::string& command, const RestorationArguments& args,
                                    const RestorationModel& model);

// Writes a batch of one image (on any device) as PNG (atomically) and says so on stdout.
void write_model_image(const std::string& path, const torch::Tensor& image, const PngText& text);

// Writes a labelled side-by-side picture of batches of one (e.g. noisy |
// denoised), scaled up so that small images are big enough to look at.
void write_comparison(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& images,
                      const std::string& title, const PngText& text);

// A progress bar over the `evaluations` network evaluations of a restoration
// (none when quiet), fed by the apps' on_evaluation callbacks; on an image of
// many tiles (TiledDenoiser::set_on_tiles) it counts tiles, so that a large
// image shows progress within each evaluation.
class EvaluationProgress {
 public:
  EvaluationProgress(std::string label, bool quiet, int64_t evaluations)
      : label_(std::move(label)), quiet_(quiet), evaluations_(evaluations) {}
  std::function<void(int64_t, int64_t)> callback();
  std::function<void(int64_t, int64_t)> tile_callback();
  void finish();

 private:
  void draw();

  std::string label_;
  bool quiet_;
  int64_t evaluations_, evaluations_done_ = 0, tiles_done_ = 0, tiles_per_evaluation_ = 0;
  std::unique_ptr<ProgressBar> bar_;
};

}  // namespace diffuse::cli
