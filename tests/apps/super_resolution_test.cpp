#include "diffuse/apps/super_resolution.h"

#include <cmath>
#include <memory>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../sampling/gaussian_oracle.h"
#include "diffuse/apps/resize.h"
#include "diffuse/sampling/ddim.h"
#include "diffuse/sampling/ddpm.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(SeparableDegradation, IsTheProtocolsDownscalingWithAnExactPseudoInverse) {
  const torch::Tensor x = torch::rand({2, 1, 12, 18}, torch::kFloat64);
  const SeparableDegradation bicubic(12, 18, 3, SrKernel::kBicubic);
  EXPECT_TRUE(torch::allclose(bicubic.apply(x), matlab_imresize(x, 1.0 / 3.0), 0.0, 1e-12));
  const SeparableDegradation box(12, 18, 3, SrKernel::kBox);
  EXPECT_TRUE(torch::allclose(box.apply(x), box_downscale(x, 3), 0.0, 1e-12));
  const torch::Tensor y = torch::rand({2, 1, 4, 6}, torch::kFloat64);
  for (const SeparableDegradation* a : {&bicubic, &box}) {
    EXPECT_TRUE(torch::allclose(a->apply(a->pseudo_inverse(y)), y, 0.0, 1e-10));  // A A+ = I
  }
  // For block means the pseudo-inverse repeats each pixel over its block.
  const torch::Tensor repeated = y.repeat_interleave(3, 2).repeat_interleave(3, 3);
  EXPECT_TRUE(torch::allclose(box.pseudo_inverse(y), repeated, 0.0, 1e-10));
  EXPECT_THROW(SeparableDegradation(13, 18, 3, SrKernel::kBicubic), Error);
  EXPECT_THROW(bicubic.apply(torch::zeros({1, 12, 12})), Error);
}

// With the exact denoiser of independent N(mu, s^2) pixels, every sampler's
// result downscales back to the low-resolution image, for both kernels.
TEST(Upscale, AgreesWithTheLowResolutionImageExactly) {
  const NoiseSchedule schedule = NoiseSchedule::linear(200);
  const Denoiser denoiser(std::make_shared<testing::GaussianOracle>(schedule, std::vector<int64_t>{1, 16, 16}, 0.1, 0.5),
                          schedule, Prediction::kEpsilon, false);
  const torch::Tensor low = torch::rand({3, 1, 4, 4}) * 1.6 - 0.8;
  for (SrKernel kernel : {SrKernel::kBicubic, SrKernel::kBox}) {
    DdimSampler ddim(schedule, {});
    ddim.set_timesteps(10);
    UpscaleOptions options;
    options.scale = 4;
    options.kernel = kernel;
    const torch::Tensor high = upscale(denoiser, ddim, low, options);
    ASSERT_EQ(high.sizes(), (std::vector<int64_t>{3, 1, 16, 16}));
    const SeparableDegradation a(16, 16, 4, kernel);
    EXPECT_LT((a.apply(high.to(torch::kFloat64)) - low.to(torch::kFloat64)).abs().max().item<double>(), 1e-4)
        << to_string(kernel);
  }
}

// A warm start (strength < 1) begins from the bicubic upscale made consistent
// with y, and its result is consistent too.
TEST(Upscale, AWarmStartFromTheConsistentBicubicStaysConsistent) {
  const NoiseSchedule schedule = NoiseSchedule::linear(200);
  const Denoiser denoiser(std::make_shared<testing::GaussianOracle>(schedule, std::vector<int64_t>{1, 16, 16}, 0.1, 0.5),
                          schedule, Prediction::kEpsilon, false);
  const torch::Tensor low = torch::rand({2, 1, 8, 8}) * 1.6 - 0.8;
  const SeparableDegradation a(16, 16, 2, SrKernel::kBicubic);
  const torch::Tensor start = consistent_bicubic(a, low, 2);
  EXPECT_LT((a.apply(start.to(torch::kFloat64)) - low.to(torch::kFloat64)).abs().max().item<double>(), 1e-5);
  // It is the bicubic upscale where that already agrees: a flat image stays flat.
  const torch::Tensor flat = torch::full({1, 1, 8, 8}, 0.25);
  EXPECT_LT((consistent_bicubic(a, flat, 2) - 0.25).abs().max().item<double>(), 1e-6);
  DdimSampler ddim(schedule, {});
  ddim.set_timesteps(10);
  UpscaleOptions options;
  options.scale = 2;
  options.strength = 0.3;
  const torch::Tensor high = upscale(denoiser, ddim, low, options);
  ASSERT_EQ(high.sizes(), (std::vector<int64_t>{2, 1, 16, 16}));
  EXPECT_EQ(ddim.step_timesteps().front(), 59);  // t0 = 0.3 T - 1, ten steps from there
  EXPECT_EQ(ddim.num_steps(), 10);
  EXPECT_LT((a.apply(high.to(torch::kFloat64)) - low.to(torch::kFloat64)).abs().max().item<double>(), 1e-4);
}

// The prior fills what the degradation cannot see: for independent
// Gaussian pixels the posterior mean given y = A x is mu + A+ (y - A mu),
// and the mean of many stochastic upscalings lands there.
TEST(Upscale, FillsTheNullSpaceFromThePrior) {
  const NoiseSchedule schedule = NoiseSchedule::linear(200);
  const double mu = 0.1;
  const Denoiser denoiser(std::make_shared<testing::GaussianOracle>(schedule, std::vector<int64_t>{1, 8, 8}, mu, 0.5),
                          schedule, Prediction::kEpsilon, false);
  const torch::Tensor one = torch::rand({1, 1, 4, 4}) - 0.5;
  const int64_t n = 256;
  DdpmSampler ddpm(schedule, {});
  ddpm.set_timesteps(200);
  UpscaleOptions options;
  options.scale = 2;
  options.kernel = SrKernel::kBox;
  const torch::Tensor high = upscale(denoiser, ddpm, one.expand({n, 1, 4, 4}).contiguous(), options);
  const SeparableDegradation a(8, 8, 2, SrKernel::kBox);
  const torch::Tensor prior_mean = torch::full({1, 1, 8, 8}, mu, torch::kFloat64);
  const torch::Tensor expected = prior_mean + a.pseudo_inverse(one.to(torch::kFloat64) - a.apply(prior_mean));
  const torch::Tensor mean = high.to(torch::kFloat64).mean(0, true);
  // 256 samples of pixels whose conditional std is 0.43: s.e. 0.027, and
  // the largest of 64 pixels' errors is about 3 of them.
  EXPECT_LT((mean - expected).abs().max().item<double>(), 0.12);
  // The null space is sampled, not fixed: a pixel given the mean of its
  // 2 x 2 block keeps 3/4 of the prior's variance, std 0.5 sqrt(3/4) = 0.433.
  EXPECT_NEAR(high.std(0).mean().item<double>(), 0.5 * std::sqrt(0.75), 0.03);
}

}  // namespace
}  // namespace diffuse
