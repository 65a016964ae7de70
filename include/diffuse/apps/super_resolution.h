#pragma once

#include <cstdint>
#include <functional>

#include <torch/types.h>

#include "diffuse/apps/restoration_protocols.h"
#include "diffuse/denoiser.h"
#include "diffuse/sampling/sampler.h"

namespace diffuse {

// A known linear degradation y = A x of images [..., H, W] that acts on rows
// and columns apart, A = R_h (x) R_w: MATLAB's bicubic downscaling by s or
// s x s averaging (sr_degrade). Its pseudo-inverse A+ = R_h+ (x) R_w+ is
// computed exactly from the two small matrices (float64), so that
// A A+ y = y for every low-resolution image y.
class SeparableDegradation {
 public:
  // Error unless height and width are multiples of scale.
  SeparableDegradation(int64_t height, int64_t width, int64_t scale, SrKernel kernel);
  torch::Tensor apply(const torch::Tensor& x) const;           // [..., H, W] -> [..., H / s, W / s]
  torch::Tensor pseudo_inverse(const torch::Tensor& y) const;  // [..., H / s, W / s] -> [..., H, W]
  int64_t height() const { return rows_.size(1); }
  int64_t width() const { return cols_.size(1); }

 private:
  torch::Tensor rows_, cols_, rows_pinv_, cols_pinv_;
};

// Zero-shot super-resolution with an unconditional image model (DDNM, Wang
// et al. 2023, eq. 13): at every step the model's x0 is replaced by its
// range-null-space correction x0 + A+ (y - A x0), which agrees with the
// low-resolution image y exactly and keeps the model's detail where A is
// blind; eps follows from x_t and the corrected x0, so any sampler runs it.
// The final sample of a sampler whose last step returns x0 (all of them)
// downscales back to y. `y` is [N, ...] of the low-resolution size in the
// model's data scale, one row per sample of the batch being sampled.
class ConsistentDenoiser : public Denoiser {
 public:
  // `base` must outlive this denoiser (it may be a TiledDenoiser).
  ConsistentDenoiser(const Denoiser& base, SeparableDegradation degradation, torch::Tensor low_resolution);
  using Denoiser::predict;
  EpsilonAndX0 predict(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) const override;

 private:
  const Denoiser& base_;
  SeparableDegradation degradation_;
  torch::Tensor low_resolution_;
};

struct UpscaleOptions {
  int64_t scale = 4;
  SrKernel kernel = SrKernel::kBicubic;
  std::uint64_t seed = 0;
  // Where the reverse process starts. 1: from pure noise at T (DDNM). Below
  // 1: from an estimate of the image, noised to t0 = strength T (SDEdit's
  // start, img2img.h), as "Come-closer-diffuse-faster" (Chung et al. 2022)
  // shows a good estimate allows: the bicubic upscale corrected to agree
  // with y. A lower start invents less detail. The sampler's steps are
  // spread from t0 down (at most t0 + 1 of them).
  double strength = 1.0;
  std::function<void(int64_t, int64_t)> on_evaluation;  // (evaluations done, total)
};

// The estimate a warm start (strength < 1) begins from: MATLAB's bicubic
// upscale of y corrected by A+ (y - A x) to downscale back to y exactly.
torch::Tensor consistent_bicubic(const SeparableDegradation& degradation, const torch::Tensor& low_resolution,
                                 int64_t scale);

// Upscales low-resolution images [N, C, h, w] (data scale) by options.scale
// with `sampler` driving `denoiser` under the consistency above; returns
// [N, C, h s, w s]. With strength 1 the sampler's timesteps must be set;
// below 1 they are set from its number of steps, from t0 down.
torch::Tensor upscale(const Denoiser& denoiser, Sampler& sampler, const torch::Tensor& low_resolution,
                      const UpscaleOptions& options);

// Plug-and-play super-resolution with the model as a Gaussian denoiser
// (half-quadratic splitting, Zhang et al. 2017 "IRCNN" and 2021 "DPIR", with
// the data term a hard constraint because y is noiseless): from the
// consistent bicubic upscale x, each iteration takes the model's posterior
// mean of x read as an image with noise sigma_k (Tweedie, as
// DenoiseMethod::kPosterior does) and projects it back onto the images that
// downscale to y, x <- z + A+ (y - A z). sigma_k falls geometrically from
// sigma_max to sigma_min: early iterations pull the estimate far towards
// natural images, late ones only refine. No noise is drawn, so the result is
// a deterministic estimate close to the minimum-MSE one: the best PSNR,
// softer than a sample.
struct PosteriorUpscaleOptions {
  int64_t scale = 4;
  SrKernel kernel = SrKernel::kBicubic;
  int64_t iterations = 8;    // network evaluations
  double sigma_max = 49.0;   // pixel units (0-255), of the first iteration
  double sigma_min = 0.0;    // of the last; 0: the scale in pixel units (DPIR's choice)
  std::function<void(int64_t, int64_t)> on_evaluation;  // (evaluations done, total)
};

// Upscales [N, C, h, w] (data scale) to [N, C, h s, w s]; the result
// downscales back to the input to rounding. Error for sigma_max below
// sigma_min or above the schedule's noisiest step, or iterations < 1.
torch::Tensor upscale_posterior(const Denoiser& denoiser, const torch::Tensor& low_resolution,
                                const PosteriorUpscaleOptions& options);

}  // namespace diffuse
