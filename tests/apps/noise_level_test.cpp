#include "diffuse/apps/noise_level.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(NoiseLevel, PixelUnitsAreTheZeroTo255ScaleOfTheDataRange) {
  EXPECT_DOUBLE_EQ(data_sigma_from_pixels(25.5), 0.2);  // 255 pixel units span 2 data units
  EXPECT_DOUBLE_EQ(pixel_sigma_from_data(data_sigma_from_pixels(37.0)), 37.0);
}

// Linear schedule: alpha_bar_t = prod_{s <= t} (1 - beta_s) with beta linear in
// [1e-4, 0.02], evaluated here on its own; t* is the brute-force nearest sigma.
TEST(NoiseLevel, MatchesTheNearestSigmaOfTheLinearSchedule) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  std::vector<double> sigmas;
  double alpha_bar = 1.0;
  for (int t = 0; t < 1000; ++t) {
    alpha_bar *= 1.0 - (1e-4 + (0.02 - 1e-4) * t / 999.0);
    sigmas.push_back(std::sqrt((1.0 - alpha_bar) / alpha_bar));
  }
  for (double pixels : {5.0, 25.0, 50.0, 75.0, 100.0, 200.0}) {
    const double sigma = pixels / 127.5;
    int best = 0;
    for (int t = 1; t < 1000; ++t) {
      if (std::abs(sigmas[t] - sigma) < std::abs(sigmas[best] - sigma)) best = t;
    }
    const NoiseMatch match = match_noise_level(schedule, sigma);
    EXPECT_EQ(match.timestep, best) << pixels;
    EXPECT_NEAR(match.sigma, sigmas[best], 1e-12);
    // sqrt(alpha_bar) = 1 / sqrt(1 + sigma^2)
    EXPECT_NEAR(match.input_scale, 1.0 / std::sqrt(1.0 + sigmas[best] * sigmas[best]), 1e-12);
    if (pixels >= 25.0) EXPECT_LT(std::abs(match.sigma / sigma - 1.0), 0.01) << "neighbouring sigmas are < 2% apart here";
  }
  // By hand: -log alpha_bar_t ~ sum of betas = 1e-4 (t + 1) + 1e-5 (t + 1) t for small betas;
  // sigma 50 gives alpha_bar = 1 / (1 + 0.392^2) = 0.867, so t ~ 114.
  EXPECT_NEAR(static_cast<double>(match_noise_level(schedule, 50.0 / 127.5).timestep), 114.0, 3.0);
}

// Cosine schedule (Nichol & Dhariwal eq. 17): alpha_bar(t) = f(t + 1) / f(0),
// f(u) = cos^2((u / T + s) / (1 + s) pi / 2). Inverting the closed form for
// alpha_bar = 1 / (1 + sigma^2) gives a continuous t; t* must be next to it.
TEST(NoiseLevel, InvertsTheCosineScheduleClosedForm) {
  const int64_t T = 1000;
  const double s = 0.008;
  const NoiseSchedule schedule = NoiseSchedule::cosine(T, s);
  const double f0 = std::pow(std::cos(s / (1.0 + s) * kPi / 2.0), 2.0);
  for (double pixels : {10.0, 50.0, 100.0, 150.0}) {
    const double sigma = pixels / 127.5;
    const double alpha_bar = 1.0 / (1.0 + sigma * sigma);
    const double u = T * ((1.0 + s) * 2.0 / kPi * std::acos(std::sqrt(alpha_bar * f0)) - s);
    EXPECT_NEAR(static_cast<double>(match_noise_level(schedule, sigma).timestep), u - 1.0, 1.0) << pixels;
  }
}

TEST(NoiseLevel, ScaledNoisyImageIsDistributedLikeTheForwardProcess) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const double sigma = 60.0 / 127.5;
  const NoiseMatch match = match_noise_level(schedule, sigma);
  torch::manual_seed(3);
  const torch::Tensor noisy = 0.3 + sigma * torch::randn({200000}, torch::kFloat64);
  const torch::Tensor x_t = match.input_scale * noisy;
  const double alpha_bar = schedule.alpha_bar(match.timestep);
  EXPECT_NEAR(x_t.mean().item<double>(), std::sqrt(alpha_bar) * 0.3, 0.003);
  EXPECT_NEAR(x_t.std().item<double>(), std::sqrt(1.0 - alpha_bar), 0.01 * std::sqrt(1.0 - alpha_bar));
}

TEST(NoiseLevel, ImpossibleSigmasAreClearErrors) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const auto message = [&](double sigma) {
    try {
      match_noise_level(schedule, sigma);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(-0.1).find(">= 0"), std::string::npos);
  EXPECT_NE(message(std::numeric_limits<double>::quiet_NaN()).find("finite"), std::string::npos);
  EXPECT_NE(message(0.0).find("no noise"), std::string::npos);
  EXPECT_NE(message(1e6).find("more noise than the model was trained on"), std::string::npos);
  EXPECT_NO_THROW(match_noise_level(schedule, schedule.sigma(999)));
}

// Black and white content with noise, clipped as in an 8-bit file: the clipped
// mean is off by sigma / sqrt(2 pi); undone, it is back on the content.
TEST(NoiseLevel, UndoingClippingRemovesTheBiasOnBlackAndWhite) {
  const double sigma = 0.6;
  torch::manual_seed(8);
  torch::Tensor clean = torch::full({2, 1, 300, 300}, -1.0, torch::kFloat64);
  clean[1].fill_(1.0);
  const torch::Tensor clipped = (clean + sigma * torch::randn(clean.sizes(), torch::kFloat64)).clamp(-1.0, 1.0);
  const double bias = sigma / std::sqrt(2.0 * kPi);
  EXPECT_NEAR(clipped[0].mean().item<double>(), -1.0 + bias, 0.01);
  EXPECT_NEAR(clipped[1].mean().item<double>(), 1.0 - bias, 0.01);
  const torch::Tensor restored = undo_clipping(clipped, sigma);
  EXPECT_NEAR(restored[0].mean().item<double>(), -1.0, 0.01);
  EXPECT_NEAR(restored[1].mean().item<double>(), 1.0, 0.01);
  // Pixels inside the range are left alone.
  const torch::Tensor inside = clipped.gt(-0.99).logical_and(clipped.lt(0.99));
  EXPECT_TRUE(torch::equal(restored.masked_select(inside), clipped.masked_select(inside)));
  EXPECT_TRUE(torch::equal(undo_clipping(clipped, 0.0), clipped));
}

TEST(NoiseLevel, EstimatesWhiteNoiseFromTheDiagonalWaveletBand) {
  torch::manual_seed(1);
  // Flat image.
  const torch::Tensor flat = 0.2 * torch::randn({1, 64, 64}, torch::kFloat64);
  EXPECT_NEAR(estimate_noise_sigma(flat), 0.2, 0.2 * 0.06);
  // A piecewise-constant picture (squares, edges) plus a smooth ramp: the
  // estimate still reads the noise, in the image's own units.
  torch::Tensor picture = torch::zeros({1, 3, 96, 96}, torch::kFloat64);
  picture.index_put_({torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(20, 60),
                      torch::indexing::Slice(30, 80)},
                     200.0);
  picture += torch::linspace(0, 50, 96, torch::kFloat64).view({1, 1, 1, 96});
  for (double sigma : {5.0, 25.0, 50.0}) {
    const torch::Tensor noisy = picture + sigma * torch::randn(picture.sizes(), torch::kFloat64);
    EXPECT_NEAR(estimate_noise_sigma(noisy), sigma, 0.07 * sigma) << sigma;
  }
  EXPECT_LT(estimate_noise_sigma(picture), 0.5);  // no noise: nearly zero despite the edges
  EXPECT_THROW(estimate_noise_sigma(torch::zeros({1, 1, 1})), Error);
}

}  // namespace
}  // namespace diffuse
