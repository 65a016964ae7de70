#include "diffuse/apps/resize.h"

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// Keys' cubic convolution kernel with a = -0.5 (MATLAB's `cubic`).
double cubic(double x) {
  const double ax = std::abs(x), ax2 = ax * ax, ax3 = ax2 * ax;
  if (ax <= 1.0) return 1.5 * ax3 - 2.5 * ax2 + 1.0;
  if (ax <= 2.0) return -0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0;
  return 0.0;
}

// The resampling matrix [out, in] of one dimension (MATLAB's contributions()):
// row i holds the weights of the input pixels output pixel i mixes, with the
// mirrored border folded back onto the pixels it repeats.
torch::Tensor resampling_matrix_impl(int64_t in, int64_t out, double scale, bool antialias) {
  const bool widen = scale < 1.0 && antialias;
  const double width = widen ? 4.0 / scale : 4.0;
  const auto taps = static_cast<int64_t>(std::ceil(width)) + 2;
  torch::Tensor matrix = torch::zeros({out, in}, torch::kFloat64);
  auto m = matrix.accessor<double, 2>();
  std::vector<double> weights(static_cast<size_t>(taps));
  for (int64_t i = 1; i <= out; ++i) {
    const double u = static_cast<double>(i) / scale + 0.5 * (1.0 - 1.0 / scale);
    const auto left = static_cast<int64_t>(std::floor(u - width / 2.0));
    double sum = 0.0;
    for (int64_t k = 0; k < taps; ++k) {
      const double distance = u - static_cast<double>(left + k);
      const double w = widen ? scale * cubic(distance * scale) : cubic(distance);
      weights[static_cast<size_t>(k)] = w;
      sum += w;
    }
    for (int64_t k = 0; k < taps; ++k) {
      // Symmetric padding: 1-based index j maps into [1, in] by mirroring,
      // with period 2 in (MATLAB: aux = [1:in, in:-1:1]).
      int64_t j = left + k - 1;  // 0-based
      const int64_t period = 2 * in;
      j = ((j % period) + period) % period;
      if (j >= in) j = period - 1 - j;
      m[i - 1][j] += weights[static_cast<size_t>(k)] / sum;
    }
  }
  return matrix;
}

// Rows first, then columns; each pass is one matrix product.
torch::Tensor resize(const torch::Tensor& image, std::array<int64_t, 2> out, std::array<double, 2> scale,
                     const BicubicOptions& options) {
  torch::Tensor x = image.to(torch::kFloat64);
  x = torch::matmul(resampling_matrix_impl(image.size(-2), out[0], scale[0], options.antialias), x);
  if (options.uint8_passes) x = matlab_uint8(x);
  x = torch::matmul(x, resampling_matrix_impl(image.size(-1), out[1], scale[1], options.antialias).t());
  if (options.uint8_passes) x = matlab_uint8(x);
  return x;
}

void check_image(const torch::Tensor& image, const std::string& what) {
  check(image.defined() && image.dim() >= 2 && image.size(-1) >= 1 && image.size(-2) >= 1,
        what + ": expected an image [..., H, W]");
  check(image.is_floating_point(), what + ": expected a floating-point image");
}

}  // namespace

torch::Tensor matlab_imresize_to(const torch::Tensor& image, int64_t out_h, int64_t out_w, const BicubicOptions& options) {
  check_image(image, "bicubic resize");
  check(out_h >= 1 && out_w >= 1, "bicubic resize: the output must be at least 1 x 1 pixels");
  return resize(image, {out_h, out_w},
                {static_cast<double>(out_h) / static_cast<double>(image.size(-2)),
                 static_cast<double>(out_w) / static_cast<double>(image.size(-1))},
                options);
}

torch::Tensor matlab_imresize(const torch::Tensor& image, double scale, const BicubicOptions& options) {
  check_image(image, "bicubic resize");
  check(std::isfinite(scale) && scale > 0.0, "bicubic resize: the scale must be positive");
  // ceil(scale * size), forgiving the rounding of a scale such as 1 / 3.
  const auto size = [scale](int64_t n) { return static_cast<int64_t>(std::ceil(static_cast<double>(n) * scale - 1e-9)); };
  const int64_t out_h = size(image.size(-2)), out_w = size(image.size(-1));
  check(out_h >= 1 && out_w >= 1, "bicubic resize: a scale of " + std::to_string(scale) + " leaves no pixels of a " +
                                      std::to_string(image.size(-2)) + " x " + std::to_string(image.size(-1)) + " image");
  // imresize weighs with the scale asked for, not with out / in.
  return resize(image, {out_h, out_w}, {scale, scale}, options);
}

torch::Tensor matlab_resampling_matrix(int64_t in, int64_t out, double scale, bool antialias) {
  check(in >= 1 && out >= 1 && std::isfinite(scale) && scale > 0.0, "resampling matrix: sizes >= 1 and a positive scale");
  return resampling_matrix_impl(in, out, scale, antialias);
}

torch::Tensor matlab_uint8(const torch::Tensor& x) {
  return (torch::sign(x) * torch::floor(torch::abs(x) + 0.5)).clamp(0.0, 255.0);
}

torch::Tensor box_downscale(const torch::Tensor& image, int64_t s) {
  check_image(image, "box downscale");
  check(s >= 1, "box downscale: the scale must be >= 1");
  const int64_t h = image.size(-2), w = image.size(-1);
  check(h % s == 0 && w % s == 0, "box downscale: a " + std::to_string(h) + " x " + std::to_string(w) +
                                      " image is not a whole number of " + std::to_string(s) + " x " +
                                      std::to_string(s) + " blocks (modcrop it first)");
  std::vector<int64_t> shape(image.sizes().begin(), image.sizes().end() - 2);
  std::vector<int64_t> blocks = shape;
  blocks.insert(blocks.end(), {h / s, s, w / s, s});
  torch::Tensor x = image.to(torch::kFloat64).reshape(blocks);
  const auto d = static_cast<int64_t>(blocks.size());
  return x.mean({d - 3, d - 1});
}

torch::Tensor modcrop(const torch::Tensor& image, int64_t s) {
  check_image(image, "modcrop");
  check(s >= 1, "modcrop: the scale must be >= 1");
  const int64_t h = image.size(-2) / s * s, w = image.size(-1) / s * s;
  check(h >= s && w >= s, "modcrop: the image is smaller than the scale " + std::to_string(s));
  return image.slice(-2, 0, h).slice(-1, 0, w);
}

}  // namespace diffuse
