#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace diffuse {

// How the field scores photo restoration, so that numbers stand beside the
// published ones.
//
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

// MATLAB's rgb2ycbcr and ycbcr2rgb in float, on [3, H, W] in 0-255 units
// (Y in 16-235, Cb and Cr in 16-240 for colours in range), not rounded: the
// convention by which SR models restore the luma and the chroma is upscaled
// bicubically. ycbcr_to_rgb inverts rgb_to_ycbcr exactly.
torch::Tensor rgb_to_ycbcr(const torch::Tensor& rgb);
torch::Tensor ycbcr_to_rgb(const torch::Tensor& ycbcr);

// MATLAB's luma of a colour photo spans 16-235 (studio range), a grey photo
// 0-255. A model of grey photos restores a luma stretched to 0-255 as a grey
// photo, and its result is put back: (Y - 16) 255 / 219 and its inverse. Both
// maps are affine and the degradations keep constants (their rows sum to 1),
// so a result consistent with the stretched input is consistent with the
// input. Any shape, 0-255 units, float.
torch::Tensor stretch_luma(const torch::Tensor& luma);
torch::Tensor unstretch_luma(const torch::Tensor& grey);

// The degradation y = D(x) of `scale` with `kernel`: [..., H, W] ->
// [..., H / s, W / s] in float (H, W multiples of s).
torch::Tensor sr_degrade(const torch::Tensor& image, int64_t scale, SrKernel kernel);

struct SrCase {
  torch::Tensor ground_truth;    // [H, W] float64 0-255 luma, H and W multiples of the scale
  torch::Tensor low_resolution;  // [H / s, W / s] float64, not rounded
};
// One test image [C, H, W] (0-255) made into the protocol's pair.
SrCase make_sr_case(const torch::Tensor& pixels, int64_t scale, SrKernel kernel);

// PSNR in dB of `restored` against `ground_truth` ([..., H, W], 0-255),
// both rounded and clamped to 8 bits first (the protocols score the 8-bit
// result), `border` pixels shaved off each side.
double psnr_8bit(const torch::Tensor& restored, const torch::Tensor& ground_truth, int64_t border);

// The bicubic baseline: imresize(low resolution, s, 'bicubic') in float.
torch::Tensor bicubic_upscale(const torch::Tensor& low_resolution, int64_t scale);

// DnCNN's Gaussian denoising protocol (Zhang et al. 2017): noise of std
// `sigma` (0-255 units) added in float to the clean 8-bit image [C, H, W]
// and not clipped; the denoised result is scored by psnr_8bit with no
// border. The noise of image `index` is drawn from (seed, index), the same
// whatever else is scored.
torch::Tensor add_benchmark_noise(const torch::Tensor& clean, double sigma, std::uint64_t seed, int64_t index);

}  // namespace diffuse
