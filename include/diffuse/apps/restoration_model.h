#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <torch/types.h>

#include "diffuse/apps/tiled_denoiser.h"
#include "diffuse/conditioning.h"
#include "diffuse/trained_model.h"

namespace diffuse {

// How a trained image model is set up to restore images of any size.
struct RestorationSetup {
  // Tile overlap in pixels; -1: half the model's size for a model trained on
  // random crops of photos (no grid in the content, tile edges must blend),
  // else 0, the fewest tiles, spread evenly (a mosaic of digits cut exactly).
  int64_t overlap = -1;
  int64_t tile = 0;       // tiles of the model's own size; else up to this size (U-Nets, fully convolutional)
  bool ensemble = false;  // average over the 8 symmetries of the square (apps/symmetry_ensemble.h)
  std::optional<int64_t> class_label;  // a conditional run's class for every image, or none
};

// What denoise, inpaint, img2img and upscale share, from the command line and
// from `diffuse serve`: a trained image model that takes images of any size
// (in overlapping tiles), and the class it restores to.
struct RestorationModel {
  std::shared_ptr<const TrainedModel> model;
  std::unique_ptr<TiledDenoiser> denoiser;
  Conditioning conditioning;  // the class of the image, or empty
  int64_t channels = 0;
  std::string run;
  torch::Device device = torch::kCPU;  // where the network runs and the images live
};

// Throws Error for a model that does not make images, and for a tile size
// (setup.tile > 0) on a network that is not fully convolutional.
void check_restoration_model(const TrainedModel& model, const std::string& run, int64_t tile);

// `denoiser` (the model's own, or one guided to setup.class_label) set up for
// images of any size; check_restoration_model first.
RestorationModel make_restoration_model(std::shared_ptr<const TrainedModel> model, const std::string& run,
                                        std::shared_ptr<const Denoiser> denoiser, const RestorationSetup& setup,
                                        torch::Device device = torch::kCPU);

// [3, H, W] with three equal channels (grey content saved as RGB) as
// [1, H, W]; anything else as it is.
torch::Tensor grey_if_channels_equal(const torch::Tensor& image);

// An image [C, H, W] in the data scale as the model's batch of one
// [1, C, H, W] on its device; a colour image whose three channels are equal
// counts as grey. Throws Error naming `source` when the channels do not match.
torch::Tensor model_image(const RestorationModel& model, torch::Tensor image, const std::string& source);

}  // namespace diffuse
