#include "diffuse/apps/denoise.h"

#include <cmath>
#include <memory>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/apps/noise_level.h"
#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

using testing::GaussianOracle;

// Pixels independent N(mu, s^2) and the exact denoiser for them: then
// y = x0 + sigma n has the closed-form posterior
//   E[x0 | y] = mu + s^2 / (s^2 + sigma^2) (y - mu),  Var[x0 | y] = s^2 sigma^2 / (s^2 + sigma^2),
// and the probability-flow ODE maps y to mu + s / sqrt(s^2 + sigma^2) (y - mu).
constexpr double kMu = 0.2, kS = 0.5, kSigma = 0.4;

struct GaussianImages {
  NoiseSchedule schedule = NoiseSchedule::linear(1000);
  Denoiser denoiser{std::make_shared<GaussianOracle>(schedule, std::vector<int64_t>{1, 16, 16}, kMu, kS), schedule,
                    Prediction::kEpsilon, false};
  torch::Tensor clean, noisy;
  double sigma_t;  // the matched timestep's sigma, what the model assumes

  explicit GaussianImages(int64_t n) {
    torch::manual_seed(11);
    clean = kMu + kS * torch::randn({n, 1, 16, 16}, torch::kFloat64);
    noisy = clean + kSigma * torch::randn(clean.sizes(), torch::kFloat64);
    sigma_t = match_noise_level(schedule, kSigma).sigma;
  }
  torch::Tensor posterior_mean() const { return kMu + kS * kS / (kS * kS + sigma_t * sigma_t) * (noisy - kMu); }
};

double mse(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).pow(2).mean().item<double>(); }

TEST(Denoise, SigmaZeroReturnsTheInput) {
  const GaussianImages data(2);
  for (const std::string& method : denoise_method_names()) {
    DenoiseOptions options;
    options.method = denoise_method_from_string(method);
    EXPECT_TRUE(torch::equal(denoise(data.denoiser, data.noisy, options), data.noisy)) << method;
  }
}

TEST(Denoise, PosteriorMethodIsTheClosedFormPosteriorMeanAndLowersTheError) {
  const GaussianImages data(64);
  DenoiseOptions options;
  options.sigma = kSigma;
  int64_t evaluations = 0;
  options.on_evaluation = [&](int64_t done, int64_t) { evaluations = done; };
  const torch::Tensor result = denoise(data.denoiser, data.noisy, options);
  EXPECT_EQ(evaluations, 1);
  EXPECT_LT((result - data.posterior_mean()).abs().max().item<double>(), 1e-9);
  const double noisy_error = mse(data.noisy, data.clean), error = mse(result, data.clean);
  const double mmse = kS * kS * kSigma * kSigma / (kS * kS + kSigma * kSigma);
  EXPECT_NEAR(noisy_error, kSigma * kSigma, 0.01);
  EXPECT_NEAR(error, mmse, 0.03 * mmse);  // 0.0976 against 0.16 for the noisy input
}

TEST(Denoise, DdimFollowsTheProbabilityFlowToTheClosedForm) {
  const GaussianImages data(16);
  DenoiseOptions options;
  options.sigma = kSigma;
  options.method = DenoiseMethod::kDdim;
  options.steps = 100;
  const torch::Tensor result = denoise(data.denoiser, data.noisy, options);
  const torch::Tensor expected = kMu + kS / std::sqrt(kS * kS + data.sigma_t * data.sigma_t) * (data.noisy - kMu);
  EXPECT_LT((result - expected).abs().max().item<double>(), 0.01);
}

// DDPM from t* samples p(x0 | y): around the posterior mean with the posterior
// variance; the mean of K samples is K times closer in squared error.
TEST(Denoise, DdpmSamplesThePosteriorAndItsMeanApproachesTheMmseEstimate) {
  const GaussianImages data(16);
  const torch::Tensor posterior_mean = data.posterior_mean();
  const double variance = kS * kS * data.sigma_t * data.sigma_t / (kS * kS + data.sigma_t * data.sigma_t);
  DenoiseOptions options;
  options.sigma = kSigma;
  options.method = DenoiseMethod::kDdpm;
  options.steps = 1000;  // all t* + 1 steps
  const torch::Tensor one = denoise(data.denoiser, data.noisy, options);
  EXPECT_NEAR((one - posterior_mean).mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR((one - posterior_mean).var().item<double>(), variance, 0.06 * variance);
  options.samples = 8;
  options.seed = 1;
  const torch::Tensor mean_of_eight = denoise(data.denoiser, data.noisy, options);
  EXPECT_NEAR(mse(mean_of_eight, posterior_mean), variance / 8.0, 0.15 * variance / 8.0);
  EXPECT_EQ(denoise_evaluations(data.schedule, options), 8 * (match_noise_level(data.schedule, kSigma).timestep + 1));
}

TEST(Denoise, ImageModelsGetPixelsInRange) {
  const GaussianImages data(2);
  const Denoiser clipping(std::make_shared<GaussianOracle>(data.schedule, std::vector<int64_t>{1, 16, 16}, 0.9, 0.5),
                          data.schedule, Prediction::kEpsilon, true);
  DenoiseOptions options;
  options.sigma = kSigma;
  options.method = DenoiseMethod::kDdim;
  const torch::Tensor result = denoise(clipping, data.noisy + 0.8, options);
  EXPECT_LE(result.max().item<double>(), 1.0);
  EXPECT_GE(result.min().item<double>(), -1.0);
}

TEST(Denoise, BadSettingsAreClearErrors) {
  const GaussianImages data(1);
  DenoiseOptions options;
  options.sigma = 1e6;  // far beyond the noisiest step
  EXPECT_THROW(denoise(data.denoiser, data.noisy, options), Error);
  options.sigma = -1.0;
  EXPECT_THROW(denoise(data.denoiser, data.noisy, options), Error);
  options.sigma = kSigma;
  options.samples = 4;  // only ddpm averages samples
  EXPECT_THROW(denoise(data.denoiser, data.noisy, options), Error);
  options.samples = 1;
  options.method = DenoiseMethod::kDdim;
  options.steps = 0;
  EXPECT_THROW(denoise(data.denoiser, data.noisy, options), Error);
  EXPECT_THROW(denoise_method_from_string("bm3d"), Error);
}

}  // namespace
}  // namespace diffuse
