#include "diffuse/apps/super_resolution.h"

#include <cmath>
#include <memory>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../sampling/gaussian_oracle.h"
#include "diffuse/apps/noise_level.h"
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


// Plug-and-play with the exact denoiser of independent N(mu, s^2) pixels has
// a closed form. The posterior mean of x given x_t = sqrt(alpha_bar) x is
// mu + c (x - mu) with c = s^2 / (s^2 + sigma_t^2), and the projection keeps
// the part of x - mu that y fixes, so each iteration scales only the null
// space part by its c: after K iterations x = mu + A+ (y - A mu) + prod(c_k)
// (I - A+ A) (x_start - mu), from the consistent bicubic start. The result
// downscales back to y, for both kernels.
TEST(UpscalePosterior, ShrinksTheNullSpaceTowardsThePriorAndKeepsConsistency) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const double mu = 0.1, s = 0.5;
  const Denoiser denoiser(std::make_shared<testing::GaussianOracle>(schedule, std::vector<int64_t>{1, 12, 12}, mu, s),
                          schedule, Prediction::kEpsilon, false);
  const torch::Tensor low = torch::rand({2, 1, 4, 4}) * 1.6 - 0.8;
  for (SrKernel kernel : {SrKernel::kBicubic, SrKernel::kBox}) {
    PosteriorUpscaleOptions options;
    options.scale = 3;
    options.kernel = kernel;
    options.iterations = 5;
    options.sigma_max = 30.0;
    int64_t evaluations = 0;
    options.on_evaluation = [&](int64_t done, int64_t total) {
      evaluations = done;
      EXPECT_EQ(total, 5);
    };
    const torch::Tensor high = upscale_posterior(denoiser, low, options);
    ASSERT_EQ(high.sizes(), (std::vector<int64_t>{2, 1, 12, 12}));
    EXPECT_EQ(evaluations, 5);
    const SeparableDegradation a(12, 12, 3, kernel);
    const torch::Tensor y = low.to(torch::kFloat64);
    EXPECT_LT((a.apply(high.to(torch::kFloat64)) - y).abs().max().item<double>(), 1e-4) << to_string(kernel);

    double shrink = 1.0;  // sigma_k from 30 down to the scale, 3, in pixel units: 30, 17.8, 10.7, 5.3, 3
    for (int64_t k = 0; k < 5; ++k) {
      const double sigma = 30.0 * std::pow(3.0 / 30.0, static_cast<double>(k) / 4.0);
      const double sigma_t = match_noise_level(schedule, data_sigma_from_pixels(sigma)).sigma;
      shrink *= s * s / (s * s + sigma_t * sigma_t);
    }
    const torch::Tensor start = consistent_bicubic(a, low, 3).to(torch::kFloat64) - mu;
    const torch::Tensor null_part = start - a.pseudo_inverse(a.apply(start));
    const torch::Tensor mean = torch::full({2, 1, 12, 12}, mu, torch::kFloat64);
    const torch::Tensor expected = mean + a.pseudo_inverse(y - a.apply(mean)) + shrink * null_part;
    EXPECT_LT((high.to(torch::kFloat64) - expected).abs().max().item<double>(), 1e-4) << to_string(kernel);
    EXPECT_GT(shrink, 0.05);  // the test sees the start's share, not only the limit
  }
  PosteriorUpscaleOptions bad;
  bad.scale = 3;
  bad.iterations = 0;
  EXPECT_THROW(upscale_posterior(denoiser, low, bad), Error);
  bad.iterations = 4;
  bad.sigma_max = 2.0;  // below the last level, the scale
  EXPECT_THROW(upscale_posterior(denoiser, low, bad), Error);
  bad.sigma_max = 1e7;  // more noise than the schedule ever adds (sigma_T is about 2e4 pixel units)
  EXPECT_THROW(upscale_posterior(denoiser, low, bad), Error);
}

}  // namespace
}  // namespace diffuse
