#include "diffuse/sampling/ddpm.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/denoiser.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

constexpr double kMu = 0.5, kStd = 0.3;

GenerateResult sample_oracle(int64_t steps, double temperature, uint64_t seed, ReverseVariance variance,
                             int64_t trajectory_frames = 0, Prediction prediction = Prediction::kEpsilon) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  auto oracle = std::make_shared<testing::GaussianOracle>(schedule, 4, kMu, kStd, prediction);
  const Denoiser denoiser(oracle, schedule, prediction, /*clip_x0=*/false);
  SamplerOptions options;
  options.temperature = temperature;
  options.variance = variance;
  DdpmSampler sampler(schedule, options);
  sampler.set_timesteps(steps);
  GenerateOptions generate_options;
  generate_options.num_samples = 4000;
  generate_options.batch_size = 4000;
  generate_options.seed = seed;
  generate_options.trajectory_frames = trajectory_frames;
  return generate(denoiser, sampler, generate_options);
}

TEST(DdpmSampler, AncestralSamplingWithTheExactDenoiserReachesTheDataDistribution) {
  // 4000 samples x 4 dims: the standard error of the mean is 0.3 / sqrt(16000) = 0.0024.
  for (ReverseVariance variance : {ReverseVariance::kBetaTilde, ReverseVariance::kBeta}) {
    const torch::Tensor x = sample_oracle(1000, 1.0, 7, variance).samples;
    EXPECT_NEAR(x.mean().item<double>(), kMu, 0.01);
    EXPECT_NEAR(x.std().item<double>(), kStd, 0.015) << to_string(variance);
  }
}

TEST(DdpmSampler, EveryParameterisationSamplesTheSameDistribution) {
  // The same exact denoiser answering in x0 or v must give the same samples as in eps.
  const torch::Tensor eps = sample_oracle(100, 1.0, 11, ReverseVariance::kBetaTilde).samples;
  for (Prediction prediction : {Prediction::kX0, Prediction::kV}) {
    const torch::Tensor other = sample_oracle(100, 1.0, 11, ReverseVariance::kBetaTilde, 0, prediction).samples;
    EXPECT_LT((other - eps).abs().max().item<double>(), 1e-3) << to_string(prediction);
  }
}

TEST(Denoiser, ClippingKeepsX0InRangeAndEpsConsistent) {
  // A data mean far outside [-1, 1]: the clipped x0 must be clamped and eps
  // recomputed so that x_t = a x0 + s eps still holds.
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  auto oracle = std::make_shared<testing::GaussianOracle>(schedule, 3, 4.0, 0.1);
  const Denoiser denoiser(oracle, schedule, Prediction::kEpsilon, /*clip_x0=*/true);
  const torch::Tensor x_t = torch::randn({64, 3});
  const EpsilonAndX0 prediction = denoiser.predict(x_t, 300);
  EXPECT_LE(prediction.x0.abs().max().item<float>(), 1.0f);
  const double a = std::sqrt(schedule.alpha_bar(300)), s = std::sqrt(1 - schedule.alpha_bar(300));
  EXPECT_LT((a * prediction.x0 + s * prediction.eps - x_t).abs().max().item<double>(), 1e-5);
}

TEST(DdpmSampler, RespacedSamplingIsBracketedByTheTwoVarianceChoices) {
  // Ho et al. sec. 3.2: sigma^2 = beta_tilde and sigma^2 = beta are the lower and upper
  // bounds on the reverse-process variance. With only 50 respaced steps the gap shows:
  // the sample spread falls below the data's with beta_tilde and above it with beta.
  const torch::Tensor small = sample_oracle(50, 1.0, 3, ReverseVariance::kBetaTilde).samples;
  const torch::Tensor large = sample_oracle(50, 1.0, 3, ReverseVariance::kBeta).samples;
  EXPECT_NEAR(small.mean().item<double>(), kMu, 0.01);
  EXPECT_NEAR(large.mean().item<double>(), kMu, 0.01);
  EXPECT_LT(small.std().item<double>(), kStd - 0.01);
  EXPECT_GT(large.std().item<double>(), kStd + 0.01);
  EXPECT_GT(small.std().item<double>(), 0.8 * kStd);
  EXPECT_LT(large.std().item<double>(), 1.5 * kStd);
}

TEST(DdpmSampler, TemperatureTradesDiversityAndZeroIsDeterministic) {
  const double full = sample_oracle(100, 1.0, 1, ReverseVariance::kBetaTilde).samples.std().item<double>();
  const double cool = sample_oracle(100, 0.5, 1, ReverseVariance::kBetaTilde).samples.std().item<double>();
  EXPECT_LT(cool, 0.75 * full);
  const torch::Tensor a = sample_oracle(100, 0.0, 1, ReverseVariance::kBetaTilde).samples;
  const torch::Tensor b = sample_oracle(100, 0.0, 2, ReverseVariance::kBetaTilde).samples;
  EXPECT_TRUE(torch::equal(a, b));
  // From x_T = 0 the posterior-mean path ends at the data mean.
  EXPECT_NEAR(a.mean().item<double>(), kMu, 1e-3);
}

TEST(DdpmSampler, SameSeedSameSamples) {
  EXPECT_TRUE(torch::equal(sample_oracle(20, 1.0, 5, ReverseVariance::kBeta).samples,
                           sample_oracle(20, 1.0, 5, ReverseVariance::kBeta).samples));
}

TEST(DdpmSampler, TrajectoryKeepsNoiseFirstAndTheSampleLast) {
  const GenerateResult result = sample_oracle(100, 1.0, 4, ReverseVariance::kBetaTilde, 5);
  ASSERT_TRUE(result.trajectory.defined());
  EXPECT_EQ(result.trajectory.size(0), 5);
  EXPECT_EQ(result.trajectory_timesteps.front(), 999);
  EXPECT_EQ(result.trajectory_timesteps.back(), -1);
  EXPECT_TRUE(torch::equal(result.trajectory[4], result.samples.slice(0, 0, result.trajectory.size(1))));
  EXPECT_NEAR(result.trajectory[0].std().item<double>(), 1.0, 0.1);  // x_T ~ N(0, I)
}

}  // namespace
}  // namespace diffuse
