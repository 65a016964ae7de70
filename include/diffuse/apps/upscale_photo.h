#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/apps/restoration_model.h"
#include "diffuse/apps/restoration_protocols.h"

namespace diffuse {

// How a diffusion model upscales, as `diffuse upscale`, `bench restore
// --task upscale` and `diffuse serve` take it (apps/super_resolution.h):
//   posterior: plug-and-play posterior means under the consistency with the
//              input (upscale_posterior): the best PSNR, a little soft;
//   sample:    a sampler's sample under the same consistency (DDNM,
//              upscale): sharp, invented detail, a lower PSNR.
struct UpscaleSettings {
  static constexpr int64_t kDefaultPosteriorIterations = 8;  // DPIR's count for super-resolution; more gained nothing on LIVE1
  static constexpr int64_t kDefaultSamplerSteps = 50;
  std::string method = "posterior";
  std::string sampler = "ddim";  // sample
  int64_t steps = 0;             // network evaluations; 0: 8 posterior iterations, 50 sampler steps
  double strength = 1.0;         // sample: where sampling starts (UpscaleOptions::strength)
  uint64_t seed = 0;             // sample

  int64_t resolved_steps() const;
  // "posterior, 8 iterations" or "ddim sample, 50 steps, strength 0.30".
  std::string describe() const;
};

std::vector<std::string> upscale_method_names();  // posterior, sample
// A comma-separated list of them (--methods posterior,sample); Error naming an unknown one.
std::vector<std::string> parse_upscale_methods(const std::string& text);

// Upscales an image (pixels [C, h, w], 0-255, float64) of the model's
// channels by `scale` with the model; `luma`: the grey image is a colour
// photo's luma (16-235), which a grey model restores stretched to 0-255
// (stretch_luma). Returns [C, h s, w s] pixels (float64, not rounded).
// on_evaluation: (evaluations done, total).
torch::Tensor upscale_pixels(const RestorationModel& model, const torch::Tensor& pixels, int64_t scale,
                             SrKernel kernel, bool luma, const UpscaleSettings& settings,
                             const std::function<void(int64_t, int64_t)>& on_evaluation = {});

// True when a grey model upscales this colour photo (pixels [C, h, w]) through its luma.
bool upscales_luma_only(const RestorationModel& model, const torch::Tensor& pixels);

// A photo (pixels [C, h, w], 0-255, float64; grey, or three equal channels,
// or colour) upscaled by `scale`: with a grey model a colour photo's luma is
// restored and its chroma upscaled bicubically (the convention of SR papers
// since SRCNN). Returns [C', h s, w s] pixels (float64, not rounded), C' = 1
// for grey content on a grey model. Throws Error for channels the model
// cannot take.
torch::Tensor upscale_photo(const RestorationModel& model, torch::Tensor pixels, int64_t scale, SrKernel kernel,
                            const UpscaleSettings& settings,
                            const std::function<void(int64_t, int64_t)>& on_evaluation = {});

}  // namespace diffuse
