#pragma once

#include <cstdint>
#include <string>

#include <torch/types.h>

namespace diffuse {

// The super-resolution benchmark protocol of SRCNN (Dong et al. 2014,
// demo_SR.m) that VDSR and most later papers report with, on the luma of
// each test image:
//   Y = rgb2ycbcr(image)(:, :, 1)              (8-bit, rounded)
//   ground truth = modcrop(Y, s)
//   low resolution = imresize(ground truth, 1 / s, 'bicubic')   (in float)
//   score = PSNR(uint8(ground truth), uint8(restored)) with s pixels shaved
//           off every border.
// The 'box' kernel replaces the bicubic downscaling by s x s averaging.

enum class SrKernel { kBicubic, kBox };
SrKernel sr_kernel_from_string(const std::string& name);  // "bicubic" or "box"; Error otherwise
std::string to_string(SrKernel kernel);

// MATLAB's rgb2ycbcr luma of an 8-bit RGB image [3, H, W] in 0-255:
// 16 + (65.481 R + 128.553 G + 24.966 B) / 255, rounded as MATLAB rounds
// to uint8. A grey image [1, H, W] is returned as it is (its own luma).
torch::Tensor matlab_luma(const torch::Tensor& pixels);

// The degradation y = D(x) of `scale` with `kernel`: [..., H, W] ->
// [..., H / s, W / s] in float (H, W multiples of s).
torch::Tensor sr_degrade(const torch::Tensor& image, int64_t scale, SrKernel kernel);

struct SrCase {
  torch::Tensor ground_truth;    // [H, W] float64 0-255 luma, H and W multiples of the scale
  torch::Tensor low_resolution;  // [H / s, W / s] float64, not rounded
};
// One test image [C, H, W] (0-255) made into the protocol's pair.
SrCase make_sr_case(const torch::Tensor& pixels, int64_t scale, SrKernel kernel);

// PSNR in dB of `restored` against `ground_truth` ([H, W], 0-255), both
// rounded and clamped to 8 bits first, `border` pixels shaved off each side.
double sr_psnr(const torch::Tensor& restored, const torch::Tensor& ground_truth, int64_t border);

// The bicubic baseline: imresize(low resolution, s, 'bicubic') in float.
torch::Tensor bicubic_upscale(const torch::Tensor& low_resolution, int64_t scale);

}  // namespace diffuse
