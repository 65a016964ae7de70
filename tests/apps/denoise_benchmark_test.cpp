#include "diffuse/apps/denoise_benchmark.h"

#include <cmath>
#include <memory>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/apps/classical_denoisers.h"
#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

using testing::GaussianOracle;

// Pixels N(0, 0.15^2) in the data scale (19 px around mid-grey) and their
// exact denoiser: the noisy input scores 20 log10(255 / sigma) and the
// posterior mean the closed-form MMSE, s^2 sigma^2 / (s^2 + sigma^2).
TEST(DenoiseBenchmark, ScoresEveryMethodOnTheSameNoise) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const double s = 0.15;
  const Denoiser denoiser(std::make_shared<GaussianOracle>(schedule, std::vector<int64_t>{1, 16, 16}, 0.0, s), schedule,
                          Prediction::kEpsilon, true);
  torch::manual_seed(4);
  const torch::Tensor test = s * torch::randn({12, 1, 16, 16});
  const torch::Tensor tune = s * torch::randn({6, 1, 16, 16});
  DenoiseBenchmarkOptions options;
  options.sigmas = {25.0, 50.0};
  options.steps = 5;
  options.ddpm_samples = 2;
  options.batch_size = 5;  // several batches
  int64_t reports = 0;
  options.progress = [&](const std::string&, int64_t, int64_t) { ++reports; };
  const DenoiseBenchmarkResult result = run_denoise_benchmark(denoiser, test, tune, options);
  const size_t per_sigma = 2 + (nonlocal_means_available() ? 2 : 0) + 3;
  ASSERT_EQ(result.scores.size(), 2 * per_sigma);
  EXPECT_GT(reports, 0);

  const DenoiseScore& noisy = result.scores[0];
  EXPECT_EQ(noisy.method, "noisy input");
  EXPECT_NEAR(noisy.psnr, 20.0 * std::log10(255.0 / 25.0), 0.4);
  const DenoiseScore& posterior = result.scores[per_sigma - 3];
  EXPECT_EQ(posterior.method, "posterior");
  const double sigma = 25.0 / 127.5;
  const double mmse_pixels = std::pow(127.5, 2) * s * s * sigma * sigma / (s * s + sigma * sigma);
  EXPECT_NEAR(posterior.psnr, 10.0 * std::log10(255.0 * 255.0 / mmse_pixels), 0.5);
  EXPECT_GT(posterior.psnr, noisy.psnr + 3.0);
  EXPECT_EQ(result.scores[1].method, "gaussian blur");
  EXPECT_NE(result.scores[1].setting.find("width"), std::string::npos);
  EXPECT_GT(result.scores[1].psnr, noisy.psnr);  // tuned: at worst the narrowest blur
  EXPECT_EQ(result.scores[per_sigma - 1].setting.find("mean of 2") != std::string::npos, true);

  ASSERT_EQ(result.examples.size(), 2u);
  EXPECT_EQ(result.examples[0].outputs.size(), per_sigma);
  EXPECT_EQ(result.examples[0].clean.sizes(), (std::vector<int64_t>{2, 1, 16, 16}));

  options.sigmas = {1e7};
  EXPECT_THROW(run_denoise_benchmark(denoiser, test, tune, options), Error);
}

}  // namespace
}  // namespace diffuse
