#pragma once

#include <cstdint>

#include <torch/types.h>

namespace diffuse {

// The degradations of super-resolution benchmarks.
//
// MATLAB's imresize(image, scale, 'bicubic'), which every SR paper since
// SRCNN uses to make its low-resolution images: Keys' cubic kernel with
// a = -0.5; when shrinking, the kernel widened by 1/scale (antialiasing);
// borders mirrored ('symmetric': ... 2 1 | 1 2 ... n | n n-1 ...); the output
// ceil(scale * size) pixels long, pixel i (from 1) centred at
// i / scale + (1 - 1 / scale) / 2 of the input; rows resized first, then
// columns (MATLAB's order for equal scales). `image` is [..., H, W] of any
// floating type, computed in float64. With `uint8_passes` each pass is
// rounded to the nearest integer (halves away from zero) and saturated to
// [0, 255] as MATLAB does for uint8 images, so the result matches
// imresize on uint8 data; without, it matches imresize on double data.
struct BicubicOptions {
  bool antialias = true;
  bool uint8_passes = false;
};
torch::Tensor matlab_imresize(const torch::Tensor& image, double scale, const BicubicOptions& options = {});

// One dimension of imresize as a matrix [out, in] (float64): output pixel i
// is row i times the input, the mirrored border folded in. `scale` is the
// one imresize weighs with (out / in, or the scale asked for).
torch::Tensor matlab_resampling_matrix(int64_t in, int64_t out, double scale, bool antialias = true);

// The same, to an exact output size [out_h, out_w] (imresize(image, [h w])):
// the scale of each dimension is out / in.
torch::Tensor matlab_imresize_to(const torch::Tensor& image, int64_t out_h, int64_t out_w,
                                 const BicubicOptions& options = {});

// MATLAB's conversion of doubles to uint8, as values: rounded to the
// nearest integer (halves away from zero) and saturated to [0, 255].
torch::Tensor matlab_uint8(const torch::Tensor& x);

// s x s block averaging ('box'): [..., H, W] -> [..., H / s, W / s]; H and W
// must be multiples of s.
torch::Tensor box_downscale(const torch::Tensor& image, int64_t s);

// Crops [..., H, W] to the largest multiple of s in each dimension, from the
// top-left (MATLAB's modcrop, applied to ground truths before degrading).
torch::Tensor modcrop(const torch::Tensor& image, int64_t s);

}  // namespace diffuse
