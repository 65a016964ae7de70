#include "diffuse/apps/classical_denoisers.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(GaussianBlur, IsANormalisedSampledGaussian) {
  torch::Tensor impulse = torch::zeros({1, 1, 21, 21}, torch::kFloat64);
  impulse[0][0][10][10] = 1.0;
  const double width = 1.5;
  const torch::Tensor blurred = gaussian_blur(impulse, width);
  EXPECT_NEAR(blurred.sum().item<double>(), 1.0, 1e-12);
  // Separable: the response at (dy, dx) is g(dy) g(dx) / (sum g)^2, g(d) = exp(-d^2 / (2 w^2)).
  double norm = 0.0;
  for (int d = -5; d <= 5; ++d) norm += std::exp(-d * d / (2 * width * width));
  for (int dy : {0, 1, 3}) {
    for (int dx : {0, 2, 5}) {
      const double expected = std::exp(-(dy * dy + dx * dx) / (2 * width * width)) / (norm * norm);
      EXPECT_NEAR(blurred[0][0][10 + dy][10 + dx].item<double>(), expected, 1e-12);
    }
  }
  const torch::Tensor flat = torch::full({2, 3, 12, 9}, 42.0, torch::kFloat64);
  EXPECT_LT((gaussian_blur(flat, 1.0) - 42.0).abs().max().item<double>(), 1e-9);  // borders reflect
  EXPECT_TRUE(torch::equal(gaussian_blur(flat, 0.0), flat));
  EXPECT_THROW(gaussian_blur(flat, 5.0), Error);  // radius 15 > 9 pixels
  EXPECT_THROW(gaussian_blur(flat, -1.0), Error);
}

TEST(NonlocalMeans, RemovesNoiseAndKeepsFlatImages) {
  if (!nonlocal_means_available()) GTEST_SKIP() << "built without OpenCV's photo module";
  torch::manual_seed(2);
  torch::Tensor clean = torch::full({1, 1, 32, 32}, 60.0);
  clean.index_put_({0, 0, torch::indexing::Slice(8, 24), torch::indexing::Slice(8, 24)}, 190.0);
  const torch::Tensor noisy = clean + 20.0 * torch::randn(clean.sizes());
  for (bool sixteen_bit : {false, true}) {
    NonlocalMeansOptions options;
    options.h = 20.0;
    options.sixteen_bit = sixteen_bit;
    const torch::Tensor flat = torch::full({1, 1, 32, 32}, 60.0);
    EXPECT_TRUE(torch::equal(nonlocal_means(flat, options), flat)) << sixteen_bit;
    const double before = (noisy - clean).pow(2).mean().item<double>();
    const double after = (nonlocal_means(noisy, options) - clean).pow(2).mean().item<double>();
    EXPECT_LT(after, before / 4.0) << sixteen_bit;
  }
  // 16-bit keeps values outside [0, 255]; 8-bit clips them.
  const torch::Tensor dark = torch::full({1, 1, 16, 16}, -40.0);
  NonlocalMeansOptions options;
  options.sixteen_bit = true;
  EXPECT_NEAR(nonlocal_means(dark, options).mean().item<double>(), -40.0, 1.0 / 16.0);
  options.sixteen_bit = false;
  EXPECT_EQ(nonlocal_means(dark, options).mean().item<double>(), 0.0);
  options.h = 0.0;
  EXPECT_THROW(nonlocal_means(dark, options), Error);
}

}  // namespace
}  // namespace diffuse
