#pragma once

#include <cstdint>

#include <torch/types.h>

#include "diffuse/schedule.h"

namespace diffuse {

// Noise levels of images, and the timestep of the forward process that
// carries the same noise.
//
// Images enter the models as x = p / 127.5 - 1 for 8-bit pixels p
// (io/image.h), so Gaussian noise of std sigma in pixel units (the 0-255
// scale people quote: "sigma 25") has std sigma / 127.5 in the data scale.
double data_sigma_from_pixels(double sigma_pixels);
double pixel_sigma_from_data(double sigma_data);

// A noisy image y = x0 + sigma n is a sample of the forward process seen in
// the variance-exploding scale: x_t / sqrt(alpha_bar_t) = x0 + sigma_t n with
// sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t) (Ho et al. eq. 4 divided by
// sqrt(alpha_bar_t)). So y, multiplied by sqrt(alpha_bar_t*), is x_t* for the
// timestep t* whose sigma_t* is nearest to sigma (data scale).
struct NoiseMatch {
  int64_t timestep;   // t*
  double sigma;       // sigma_t*, what the model will assume
  double input_scale; // sqrt(alpha_bar_t*): x_t* = input_scale * y
};
// Throws Error for a sigma that is negative, not finite, zero (nothing to
// remove: callers return the input unchanged) or above the noisiest step of
// the schedule (the model has never seen so much noise).
NoiseMatch match_noise_level(const NoiseSchedule& schedule, double sigma_data);

// Noisy image files are clipped: noise that pushes a pixel below black or
// above white is lost, the pixel reads exactly black or white, and a black
// background turns grey on average (by sigma / sqrt(2 pi)), which the model,
// expecting Gaussian noise around the image, takes for content. This puts
// each clipped pixel of `images` (data scale, black -1, white 1) at the mean of
// the noise beyond the limit for black or white content,
// E[y | y <= -1] = -1 - sigma sqrt(2 / pi) (half-normal mean), which removes
// the bias where the clean image is black or white, as in most clipped pixels.
torch::Tensor undo_clipping(const torch::Tensor& images, double sigma_data);

// An estimate of the std of white Gaussian noise in `images` ([C, H, W] or
// [N, C, H, W], any scale; the result is in the same units): the median
// absolute value of the finest diagonal Haar wavelet coefficients divided by
// 0.6745 (Donoho & Johnstone 1994, "Ideal spatial adaptation by wavelet
// shrinkage", sec. 2.3). The diagonal band of 2 x 2 blocks holds little of a
// natural image, and the median ignores the edges that leak into it.
double estimate_noise_sigma(const torch::Tensor& images);

}  // namespace diffuse
