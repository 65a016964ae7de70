#include "diffuse/metrics/image_quality.h"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr int64_t kWindow = 11;
constexpr double kWindowSigma = 1.5, kK1 = 0.01, kK2 = 0.03;

// Both images as float64 [N, C, H, W], checked to match.
std::pair<torch::Tensor, torch::Tensor> as_batches(const torch::Tensor& a, const torch::Tensor& b, const char* what) {
  check(a.sizes() == b.sizes(), std::string(what) + ": the two images differ in size or channels");
  check(a.dim() == 3 || a.dim() == 4, std::string(what) + ": expected images [C, H, W] or [N, C, H, W]");
  const torch::Tensor x = a.dim() == 3 ? a.unsqueeze(0) : a, y = b.dim() == 3 ? b.unsqueeze(0) : b;
  return {x.to(torch::kFloat64), y.to(torch::kFloat64)};
}

// The normalised 11 x 11 Gaussian window as a depthwise filter for `channels` channels.
torch::Tensor gaussian_window(int64_t channels) {
  const torch::Tensor offsets = torch::arange(kWindow, torch::kFloat64) - (kWindow - 1) / 2.0;
  torch::Tensor g = torch::exp(-offsets.pow(2) / (2 * kWindowSigma * kWindowSigma));
  g = g / g.sum();
  return torch::outer(g, g).expand({channels, 1, kWindow, kWindow}).contiguous();
}

}  // namespace

double psnr(const torch::Tensor& a, const torch::Tensor& b, double data_range) {
  const auto [x, y] = as_batches(a, b, "PSNR");
  const double mse = (x - y).pow(2).mean().item<double>();
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(data_range * data_range / mse);
}

double ssim(const torch::Tensor& a, const torch::Tensor& b, double data_range) {
  const auto [x, y] = as_batches(a, b, "SSIM");
  check(x.size(2) >= kWindow && x.size(3) >= kWindow, "SSIM: images must be at least 11 x 11 pixels");
  const int64_t channels = x.size(1);
  const torch::Tensor window = gaussian_window(channels);
  auto local_mean = [&](const torch::Tensor& image) {
    // "valid": no padding. Depthwise, one window per channel.
    return torch::conv2d(image, window, torch::Tensor(), torch::IntArrayRef{1, 1}, torch::IntArrayRef{0, 0},
                         torch::IntArrayRef{1, 1}, channels);
  };
  const torch::Tensor mu_x = local_mean(x), mu_y = local_mean(y);
  const torch::Tensor var_x = local_mean(x * x) - mu_x * mu_x;
  const torch::Tensor var_y = local_mean(y * y) - mu_y * mu_y;
  const torch::Tensor cov_xy = local_mean(x * y) - mu_x * mu_y;
  const double c1 = std::pow(kK1 * data_range, 2), c2 = std::pow(kK2 * data_range, 2);
  // Wang et al. eq. (13).
  const torch::Tensor map = ((2 * mu_x * mu_y + c1) * (2 * cov_xy + c2)) /
                            ((mu_x * mu_x + mu_y * mu_y + c1) * (var_x + var_y + c2));
  return map.mean().item<double>();
}

}  // namespace diffuse
