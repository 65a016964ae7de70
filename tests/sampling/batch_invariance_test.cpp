// The same seed gives the same samples whatever the batch size: x_T and every
// injected noise come from each sample's own stream (noise.h).
#include <memory>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/guidance.h"
#include "diffuse/sampling/known_region.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/sampling/sampler.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

torch::Tensor samples_in_batches_of(const Denoiser& denoiser, const std::string& name, int64_t batch_size,
                                    const GenerateOptions& base) {
  SamplerOptions sampler_options;
  sampler_options.eta = name == "ddim" ? 1.0 : 0.0;  // stochastic DDIM
  sampler_options.churn.s_churn = 10;                // stochastic euler and heun
  if (name != "ddim" && name != "euler" && name != "heun") sampler_options = {};
  const std::unique_ptr<Sampler> sampler = make_sampler(name, denoiser.schedule(), sampler_options);
  sampler->set_timesteps(20);
  GenerateOptions options = base;
  options.batch_size = batch_size;
  return generate(denoiser, *sampler, options).samples;
}

TEST(BatchInvariance, EverySamplerGivesTheSameSamplesAtBatchSizes1_5And12) {
  const NoiseSchedule schedule = NoiseSchedule::linear(200);
  auto oracle = std::make_shared<testing::ClassGaussianOracle>(schedule, 3, std::vector<double>{-1.0, 1.0}, 0.4);
  const Denoiser base(oracle, schedule, Prediction::kEpsilon, false);
  const GuidedDenoiser guided(base, 2.0);
  GenerateOptions options;
  options.num_samples = 12;
  options.seed = 9;
  options.class_labels = torch::arange(12, torch::kLong).remainder(2);
  for (const std::string& name : sampler_names()) {
    const torch::Tensor one = samples_in_batches_of(guided, name, 1, options);
    EXPECT_TRUE(torch::equal(one, samples_in_batches_of(guided, name, 5, options))) << name;
    EXPECT_TRUE(torch::equal(one, samples_in_batches_of(guided, name, 12, options))) << name;
    options.seed = 10;
    EXPECT_FALSE(torch::equal(one, samples_in_batches_of(guided, name, 12, options))) << name;
    options.seed = 9;
  }
}

TEST(BatchInvariance, HooksSeeTheirOwnSamples) {
  // A known region per sample: sample i keeps coordinate 0 at i / 10.
  const NoiseSchedule schedule = NoiseSchedule::linear(200);
  auto oracle = std::make_shared<testing::GaussianOracle>(schedule, 3, 0.0, 1.0);
  const Denoiser denoiser(oracle, schedule, Prediction::kEpsilon, false);
  const torch::Tensor values = torch::zeros({12, 3});
  values.select(1, 0).copy_(torch::arange(12, torch::kFloat32) / 10.0);
  const torch::Tensor known = torch::tensor({1.0f, 0.0f, 0.0f}).view({1, 3});
  GenerateOptions options;
  options.num_samples = 12;
  options.hooks.push_back(KnownRegion(schedule, values, known));
  const torch::Tensor one = samples_in_batches_of(denoiser, "ddpm", 1, options);
  EXPECT_TRUE(torch::equal(one, samples_in_batches_of(denoiser, "ddpm", 5, options)));
  EXPECT_TRUE(torch::equal(one.select(1, 0), values.select(1, 0)));  // exactly the known values at the end
}

}  // namespace
}  // namespace diffuse
