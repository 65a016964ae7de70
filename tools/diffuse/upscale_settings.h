#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <torch/types.h>

#include "diffuse/apps/restoration_protocols.h"
#include "restoration.h"

namespace diffuse::cli {

// How a diffusion model upscales, as `diffuse upscale` and `bench restore
// --task upscale` take it (apps/super_resolution.h):
//   posterior: plug-and-play posterior means under the consistency with the
//              input (upscale_posterior): the best PSNR, a little soft;
//   sample:    a sampler's sample under the same consistency (DDNM,
//              upscale): sharp, invented detail, a lower PSNR.
struct UpscaleSettings {
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

// Registers --sampler, --steps, --strength (the method's own options; the
// caller registers --method or --methods and --seed).
void add_upscale_settings_options(CLI::App& command, UpscaleSettings& settings);

// Throws Error naming the first of --sampler, --strength given to `command`
// although no method in `methods` samples.
void check_sample_only_options(const CLI::App& command, const std::vector<std::string>& methods);

// Upscales an image (pixels [C, h, w], 0-255, float64) of the model's
// channels by `scale` with the model; `luma`: the grey image is a colour
// photo's luma (16-235), which a grey model restores stretched to 0-255
// (stretch_luma). Returns [C, h s, w s] pixels (float64, not rounded).
// on_evaluation: (evaluations done, total).
torch::Tensor upscale_pixels(const RestorationModel& model, const torch::Tensor& pixels, int64_t scale,
                             SrKernel kernel, bool luma, const UpscaleSettings& settings,
                             const std::function<void(int64_t, int64_t)>& on_evaluation = {});

}  // namespace diffuse::cli
