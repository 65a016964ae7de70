#include "diffuse/apps/restoration_protocols.h"

#include <cmath>

#include <torch/torch.h>

#include "diffuse/apps/resize.h"
#include "diffuse/noise.h"
#include "diffuse/util/error.h"

namespace diffuse {

SrKernel sr_kernel_from_string(const std::string& name) {
  if (name == "bicubic") return SrKernel::kBicubic;
  if (name == "box") return SrKernel::kBox;
  throw Error("unknown degradation kernel '" + name + "': expected bicubic or box");
}

std::string to_string(SrKernel kernel) { return kernel == SrKernel::kBicubic ? "bicubic" : "box"; }

torch::Tensor matlab_luma(const torch::Tensor& pixels) {
  check(pixels.dim() == 3 && (pixels.size(0) == 1 || pixels.size(0) == 3),
        "luma: expected an image [1 or 3, H, W] of 0-255 pixels");
  const torch::Tensor x = pixels.to(torch::kFloat64);
  if (x.size(0) == 1) return x[0];
  const torch::Tensor y = 16.0 + (65.481 * x[0] + 128.553 * x[1] + 24.966 * x[2]) / 255.0;
  return matlab_uint8(y);
}

namespace {

// Rows Y, Cb, Cr of rgb2ycbcr for R, G, B in 0-255, and the offsets.
torch::Tensor ycbcr_matrix() {
  return torch::tensor({{65.481, 128.553, 24.966}, {-37.797, -74.203, 112.0}, {112.0, -93.786, -18.214}},
                       torch::kFloat64) / 255.0;
}
torch::Tensor ycbcr_offset() { return torch::tensor({16.0, 128.0, 128.0}, torch::kFloat64).view({3, 1, 1}); }

}  // namespace

torch::Tensor stretch_luma(const torch::Tensor& luma) { return (luma - 16.0) * (255.0 / 219.0); }

torch::Tensor unstretch_luma(const torch::Tensor& grey) { return grey * (219.0 / 255.0) + 16.0; }

torch::Tensor rgb_to_ycbcr(const torch::Tensor& rgb) {
  check(rgb.dim() == 3 && rgb.size(0) == 3, "YCbCr: expected an RGB image [3, H, W]");
  const torch::Tensor x = rgb.to(torch::kFloat64);
  return torch::einsum("ij,jhw->ihw", {ycbcr_matrix(), x}) + ycbcr_offset();
}

torch::Tensor ycbcr_to_rgb(const torch::Tensor& ycbcr) {
  check(ycbcr.dim() == 3 && ycbcr.size(0) == 3, "YCbCr: expected an image [3, H, W]");
  return torch::einsum("ij,jhw->ihw", {torch::linalg_inv(ycbcr_matrix()), ycbcr.to(torch::kFloat64) - ycbcr_offset()});
}

torch::Tensor sr_degrade(const torch::Tensor& image, int64_t scale, SrKernel kernel) {
  check(scale >= 2 && scale <= 8, "super-resolution: the scale must be 2 to 8, got " + std::to_string(scale));
  check(image.dim() >= 2 && image.size(-2) % scale == 0 && image.size(-1) % scale == 0,
        "super-resolution: the image must be a whole number of " + std::to_string(scale) + " x " +
            std::to_string(scale) + " blocks (modcrop it)");
  if (kernel == SrKernel::kBox) return box_downscale(image.to(torch::kFloat64), scale);
  return matlab_imresize(image.to(torch::kFloat64), 1.0 / static_cast<double>(scale));
}

SrCase make_sr_case(const torch::Tensor& pixels, int64_t scale, SrKernel kernel) {
  check(scale >= 2 && scale <= 8, "super-resolution: the scale must be 2 to 8, got " + std::to_string(scale));
  const torch::Tensor luma = matlab_luma(pixels);
  check(luma.size(0) >= 2 * scale && luma.size(1) >= 2 * scale,
        "super-resolution: a " + std::to_string(luma.size(1)) + " x " + std::to_string(luma.size(0)) +
            " image is too small for scale " + std::to_string(scale));
  SrCase result;
  result.ground_truth = modcrop(luma, scale).contiguous();
  result.low_resolution = sr_degrade(result.ground_truth, scale, kernel);
  return result;
}

double psnr_8bit(const torch::Tensor& restored, const torch::Tensor& ground_truth, int64_t border) {
  check(restored.sizes() == ground_truth.sizes() && restored.dim() >= 2,
        "PSNR: expected two images [..., H, W] of one size");
  check(border >= 0 && 2 * border < restored.size(-2) && 2 * border < restored.size(-1),
        "PSNR: the border leaves no pixels");
  const auto shave = [border](const torch::Tensor& x) {
    return matlab_uint8(x.to(torch::kFloat64))
        .slice(-2, border, x.size(-2) - border)
        .slice(-1, border, x.size(-1) - border);
  };
  const double mse = (shave(restored) - shave(ground_truth)).pow(2).mean().item<double>();
  return mse == 0.0 ? INFINITY : 10.0 * std::log10(255.0 * 255.0 / mse);
}

torch::Tensor bicubic_upscale(const torch::Tensor& low_resolution, int64_t scale) {
  check(scale >= 2 && scale <= 8, "super-resolution: the scale must be 2 to 8, got " + std::to_string(scale));
  return matlab_imresize(low_resolution.to(torch::kFloat64), static_cast<double>(scale));
}

torch::Tensor add_benchmark_noise(const torch::Tensor& clean, double sigma, std::uint64_t seed, int64_t index) {
  check(std::isfinite(sigma) && sigma >= 0.0, "denoising benchmark: sigma must be >= 0");
  check(index >= 0, "denoising benchmark: the image index must be >= 0");
  const torch::Tensor x = clean.to(torch::kFloat64);
  SampleNoise noise(seed, index, 1);
  std::vector<int64_t> shape{1};
  shape.insert(shape.end(), x.sizes().begin(), x.sizes().end());
  return x + sigma * noise.normal(shape, torch::TensorOptions().dtype(torch::kFloat64))[0];
}

}  // namespace diffuse
