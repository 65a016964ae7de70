#include "diffuse/metrics/image_quality.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(ImageQuality, PsnrOfAConstantOffsetByHand) {
  const torch::Tensor a = torch::full({1, 16, 16}, 100.0), b = a + 10.0;
  EXPECT_NEAR(psnr(a, b), 10 * std::log10(255.0 * 255.0 / 100.0), 1e-9);  // 28.1308 dB
  EXPECT_TRUE(std::isinf(psnr(a, a)));
  // The same images on the [-1, 1] scale of the models, with data_range 2.
  EXPECT_NEAR(psnr(a / 127.5 - 1, b / 127.5 - 1, 2.0), 28.130803608679106, 1e-5);  // float32 pixels
}

TEST(ImageQuality, SsimByHand) {
  // Constant images: only the luminance term is left, (2 a b + C1) / (a^2 + b^2 + C1).
  EXPECT_NEAR(ssim(torch::full({1, 16, 16}, 100.0), torch::full({1, 16, 16}, 110.0)), 0.9954764440915066, 1e-12);
  // An 11 x 11 pair has one window position; value from a plain-Python evaluation of eq. (13)
  // with the same window: a = (7i + 13j) mod 256, b = (3i + 5j) mod 256.
  const torch::Tensor i = torch::arange(11, torch::kFloat64).unsqueeze(1), j = torch::arange(11, torch::kFloat64);
  const torch::Tensor a = torch::remainder(7 * i + 13 * j, 256).unsqueeze(0);
  const torch::Tensor b = torch::remainder(3 * i + 5 * j, 256).unsqueeze(0);
  EXPECT_NEAR(ssim(a, b), 0.49137810526316417, 1e-12);
  EXPECT_NEAR(ssim(a, b), ssim(b, a), 1e-15);
  EXPECT_NEAR(ssim(a, a), 1.0, 1e-12);
}

TEST(ImageQuality, ColourImagesAverageTheirChannels) {
  torch::manual_seed(7);
  const torch::Tensor clean = torch::rand({3, 32, 32}) * 255, noisy = clean + 20 * torch::randn({3, 32, 32});
  double mean = 0;
  for (int64_t c = 0; c < 3; ++c) mean += ssim(clean[c].unsqueeze(0), noisy[c].unsqueeze(0)) / 3;
  EXPECT_NEAR(ssim(clean, noisy), mean, 1e-12);
  EXPECT_LT(ssim(clean, noisy), 1.0);
  EXPECT_LT(ssim(clean, clean + 60 * torch::randn({3, 32, 32})), ssim(clean, noisy));  // more noise, less similar
}

TEST(ImageQuality, MismatchedOrTinyImagesAreErrors) {
  EXPECT_THROW(psnr(torch::zeros({1, 8, 8}), torch::zeros({3, 8, 8})), Error);
  EXPECT_THROW(ssim(torch::zeros({1, 8, 8}), torch::zeros({1, 8, 8})), Error);
}

}  // namespace
}  // namespace diffuse
