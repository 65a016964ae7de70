#include "diffuse/apps/img2img.h"

#include <cmath>
#include <memory>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

using testing::GaussianOracle;

TEST(Img2Img, StrengthMapsToTheTimestepT0) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  EXPECT_EQ(sdedit_timestep(schedule, 0.5), 499);
  EXPECT_EQ(sdedit_timestep(schedule, 1.0), 999);
  EXPECT_EQ(sdedit_timestep(schedule, 0.0001), 0);
  EXPECT_EQ(sdedit_timestep(schedule, 0.0), -1);
  EXPECT_THROW(sdedit_timestep(schedule, 1.5), Error);
  EXPECT_THROW(sdedit_timestep(schedule, -0.1), Error);
}

// Data N(mu, s^2) per pixel and a constant guide g: x_t0 ~ N(a g, 1 - a^2),
// and the exact reverse process draws x0 ~ p(x0 | x_t0), so
//   E[x0] = mu + a^2 s^2 / (a^2 s^2 + 1 - a^2) (g - mu).
// At strength 1 the guide is forgotten (a^2 = alpha_bar_999 ~ 4e-5).
TEST(Img2Img, PullsTheGuideTowardTheDataByTheClosedFormAmount) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const double mu = 0.2, s = 0.3, guide_value = -0.6;
  const Denoiser denoiser(std::make_shared<GaussianOracle>(schedule, std::vector<int64_t>{1, 16, 16}, mu, s), schedule,
                          Prediction::kEpsilon, false);
  const torch::Tensor guide = torch::full({32, 1, 16, 16}, guide_value, torch::kFloat64);
  for (double strength : {0.2, 0.5, 1.0}) {
    const int64_t t0 = sdedit_timestep(schedule, strength);
    const double a2 = schedule.alpha_bar(t0);
    const double expected = mu + a2 * s * s / (a2 * s * s + 1.0 - a2) * (guide_value - mu);
    const std::unique_ptr<Sampler> sampler = make_sampler("ddpm", schedule, {});
    Img2ImgOptions options;
    options.strength = strength;
    options.steps = 1000;
    const torch::Tensor result = img2img(denoiser, *sampler, guide, options);
    EXPECT_EQ(sampler->timesteps().front(), t0);
    EXPECT_NEAR(result.mean().item<double>(), expected, 0.01) << strength;
    if (strength == 1.0) EXPECT_NEAR(result.std().item<double>(), s, 0.01);  // the data distribution
  }
  Img2ImgOptions unchanged;
  unchanged.strength = 0.0;
  const std::unique_ptr<Sampler> sampler = make_sampler("ddim", schedule, {});
  EXPECT_TRUE(torch::equal(img2img(denoiser, *sampler, guide, unchanged), guide));
}

}  // namespace
}  // namespace diffuse
