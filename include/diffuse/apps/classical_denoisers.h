#pragma once

#include <torch/types.h>

namespace diffuse {

// Classical denoisers, the baselines a diffusion denoiser has to beat. Both
// take images [N, C, H, W] in 0-255 pixel units (float, values may lie
// outside [0, 255] where noise pushed them) and return the same shape.

// Convolution with a Gaussian of std `width` pixels (radius ceil(3 width),
// borders reflected). width 0 returns the input.
torch::Tensor gaussian_blur(const torch::Tensor& pixels, double width);

// Non-local means (Buades, Coll & Morel 2005) as OpenCV implements it
// (cv::fastNlMeansDenoising, one channel at a time): each pixel becomes a
// weighted mean of the pixels whose 7 x 7 neighbourhoods, within a 21 x 21
// search window, look like its own; weights exp(-d^2 / h^2) with d the mean
// patch distance per pixel.
struct NonlocalMeansOptions {
  double h = 10.0;  // filter strength in pixel units; tune it to the noise level
  int template_window = 7;
  int search_window = 21;
  // OpenCV's usual 8-bit mode clips the input to [0, 255] and rounds it, and
  // compares patches by L2 distance. The 16-bit mode keeps noise outside
  // [0, 255] (values p stored as 16 (p + 1024)) and compares by L1 distance,
  // the only one OpenCV offers for 16-bit images.
  bool sixteen_bit = false;
};

// Whether this build has OpenCV's photo module; nonlocal_means throws Error
// without it, saying what to install.
bool nonlocal_means_available();
torch::Tensor nonlocal_means(const torch::Tensor& pixels, const NonlocalMeansOptions& options);

}  // namespace diffuse
