#include "diffuse/apps/classical_denoisers.h"

#include <cmath>
#include <vector>

#include <torch/torch.h>

#ifdef DIFFUSE_HAVE_OPENCV
#include <opencv2/core.hpp>
#include <opencv2/photo.hpp>
#endif

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

void check_images(const torch::Tensor& pixels, const std::string& who) {
  check(pixels.dim() == 4, who + ": expected images [N, C, H, W]");
  check(pixels.numel() > 0, who + ": no images");
}

#ifdef DIFFUSE_HAVE_OPENCV
constexpr double kSixteenBitOffset = 1024.0;  // 16 (p + 1024) keeps p in [-1024, 3071]
constexpr double kSixteenBitScale = 16.0;     // and 1/16-pixel resolution

// One channel of one image through cv::fastNlMeansDenoising.
torch::Tensor nonlocal_means_plane(const torch::Tensor& plane, const NonlocalMeansOptions& options) {
  const auto height = static_cast<int>(plane.size(0)), width = static_cast<int>(plane.size(1));
  if (!options.sixteen_bit) {
    torch::Tensor bytes = plane.round().clamp(0, 255).to(torch::kUInt8).contiguous();
    const cv::Mat source(height, width, CV_8UC1, bytes.data_ptr<uint8_t>());
    cv::Mat result;
    cv::fastNlMeansDenoising(source, result, static_cast<float>(options.h), options.template_window,
                             options.search_window);
    return torch::from_blob(result.data, {height, width}, torch::kUInt8).to(torch::kFloat32);
  }
  torch::Tensor words = ((plane.to(torch::kFloat64) + kSixteenBitOffset) * kSixteenBitScale)
                            .round()
                            .clamp(0, 65535)
                            .to(torch::kInt32)
                            .contiguous();
  std::vector<uint16_t> values(words.data_ptr<int32_t>(), words.data_ptr<int32_t>() + words.numel());
  const cv::Mat source(height, width, CV_16UC1, values.data());
  cv::Mat result;
  const std::vector<float> h{static_cast<float>(options.h * kSixteenBitScale)};
  cv::fastNlMeansDenoising(source, result, h, options.template_window, options.search_window, cv::NORM_L1);
  std::vector<float> restored(static_cast<size_t>(height) * static_cast<size_t>(width));
  for (int r = 0; r < height; ++r) {
    for (int c = 0; c < width; ++c) {
      restored[static_cast<size_t>(r * width + c)] =
          static_cast<float>(result.at<uint16_t>(r, c) / kSixteenBitScale - kSixteenBitOffset);
    }
  }
  return torch::from_blob(restored.data(), {height, width}, torch::kFloat32).clone();
}
#endif

}  // namespace

torch::Tensor gaussian_blur(const torch::Tensor& pixels, double width) {
  check_images(pixels, "gaussian blur");
  check(std::isfinite(width) && width >= 0.0, "gaussian blur: the width must be >= 0");
  if (width == 0.0) return pixels;
  const auto radius = static_cast<int64_t>(std::ceil(3.0 * width));
  check(radius < pixels.size(2) && radius < pixels.size(3), "gaussian blur: the width is too large for the image");
  const torch::Tensor offsets = torch::arange(-radius, radius + 1, pixels.options());
  torch::Tensor kernel = torch::exp(-0.5 * (offsets / width).pow(2));
  kernel = kernel / kernel.sum();
  namespace F = torch::nn::functional;
  const int64_t channels = pixels.size(1);
  // Separable: rows, then columns, each channel on its own (groups = C).
  torch::Tensor x = F::pad(pixels, F::PadFuncOptions({radius, radius, radius, radius}).mode(torch::kReflect));
  x = F::conv2d(x, kernel.view({1, 1, 1, -1}).repeat({channels, 1, 1, 1}), F::Conv2dFuncOptions().groups(channels));
  x = F::conv2d(x, kernel.view({1, 1, -1, 1}).repeat({channels, 1, 1, 1}), F::Conv2dFuncOptions().groups(channels));
  return x;
}

bool nonlocal_means_available() {
#ifdef DIFFUSE_HAVE_OPENCV
  return true;
#else
  return false;
#endif
}

torch::Tensor nonlocal_means(const torch::Tensor& pixels, const NonlocalMeansOptions& options) {
  check_images(pixels, "non-local means");
  check(std::isfinite(options.h) && options.h > 0.0, "non-local means: h must be > 0");
  check(options.template_window % 2 == 1 && options.search_window % 2 == 1 &&
            options.template_window <= options.search_window,
        "non-local means: the windows must be odd and the template no larger than the search window");
#ifdef DIFFUSE_HAVE_OPENCV
  const torch::Tensor source = pixels.to(torch::kFloat32).cpu();
  torch::Tensor result = torch::empty_like(source);
  for (int64_t n = 0; n < source.size(0); ++n) {
    for (int64_t c = 0; c < source.size(1); ++c) result[n][c] = nonlocal_means_plane(source[n][c], options);
  }
  return result.to(pixels.options());
#else
  throw Error("non-local means needs OpenCV's photo module, which this build of Diffuse lacks "
              "(on Debian: apt-get install libopencv-photo-dev, then rebuild)");
#endif
}

}  // namespace diffuse
