#pragma once

#include <torch/types.h>

namespace diffuse {

// Full-reference image quality for restoration. Images are [C, H, W] or
// [N, C, H, W] tensors on a scale where `data_range` is the distance from
// black to white (255 for 8-bit pixels, 2 for the [-1, 1] scale of the models).

// Peak signal-to-noise ratio in dB: 10 log10(data_range^2 / MSE); +inf for identical images.
double psnr(const torch::Tensor& a, const torch::Tensor& b, double data_range = 255.0);

// Structural similarity (Wang et al. 2004, eq. 13) with their reference
// settings: an 11 x 11 Gaussian window of sigma 1.5, K1 = 0.01, K2 = 0.03,
// local statistics over the window positions that fit inside the image
// ("valid"), the mean of the SSIM map over positions and channels. 1 for
// identical images. Needs images of at least 11 x 11 pixels.
double ssim(const torch::Tensor& a, const torch::Tensor& b, double data_range = 255.0);

}  // namespace diffuse
