#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/apps/denoise.h"
#include "diffuse/denoiser.h"

namespace diffuse {

// Diffusion denoisers against classical ones on held-out images, all in one
// program on the same noisy inputs. Protocol: additive white Gaussian noise
// of std sigma (0-255 pixel units) on the clean test images, drawn from a
// fixed seed and not clipped (the usual protocol of the denoising
// literature); every output is clamped to [0, 255] and scored against the
// clean image by PSNR and SSIM (Wang et al. 2004), averaged over images.
// The classical baselines' parameters (the blur width, non-local means' h)
// are chosen per noise level by the best mean PSNR on a separate tuning set,
// so they compete at their best.
struct DenoiseBenchmarkOptions {
  std::vector<double> sigmas{25.0, 50.0, 75.0, 100.0};  // pixel units
  std::vector<DenoiseMethod> methods{DenoiseMethod::kPosterior, DenoiseMethod::kDdim, DenoiseMethod::kDdpm};
  int64_t steps = 20;        // ddim, ddpm: reverse steps from t*
  int64_t ddpm_samples = 8;  // ddpm: the mean of this many samples
  int64_t batch_size = 250;  // images per network evaluation
  uint64_t seed = 0;         // the noise (and ddpm's sampling noise)
  bool nonlocal_means = true;  // false, or a build without OpenCV: no non-local means rows
  int64_t example_images = 2;  // per noise level, kept for a picture
  // Progress: (what is being done, steps done, steps in all) after each step.
  std::function<void(const std::string&, int64_t, int64_t)> progress;
};

struct DenoiseScore {
  std::string method;   // "noisy input", "gaussian blur", "non-local means (8-bit)", "posterior", ...
  double sigma = 0.0;   // pixel units
  std::string setting;  // the tuned parameter or the steps, e.g. "width 1.19 px", "h 42.0", "20 steps"
  double psnr = 0.0, psnr_standard_error = 0.0, ssim = 0.0;
  double seconds_per_image = 0.0;
};

// The first example_images test images at one noise level, and what each method made of them.
struct DenoiseExample {
  double sigma = 0.0;
  torch::Tensor clean, noisy;                                  // [E, C, H, W], pixel units
  std::vector<std::pair<std::string, torch::Tensor>> outputs;  // method -> [E, C, H, W], in score order
};

struct DenoiseBenchmarkResult {
  std::vector<DenoiseScore> scores;  // for each sigma: noisy input, baselines, diffusion methods
  std::vector<DenoiseExample> examples;
};

// test and tune: images [N, C, H, W] in the data scale [-1, 1] (e.g. from
// load_labelled_images), tune from a different split than test.
DenoiseBenchmarkResult run_denoise_benchmark(const Denoiser& denoiser, const torch::Tensor& test,
                                             const torch::Tensor& tune, const DenoiseBenchmarkOptions& options);

}  // namespace diffuse
