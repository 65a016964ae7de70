#include "diffuse/sampling/sampler_sweep.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/sampling/sample_loop.h"
#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

TEST(SamplerSweep, EverySamplerAtEveryKFromTheSameNoise) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  const Denoiser denoiser(std::make_shared<testing::GaussianOracle>(schedule, 3, 0.5, 0.3), schedule,
                          Prediction::kEpsilon, false);
  SweepOptions options;
  options.samplers = {"ddim", "heun"};
  options.steps = {5, 100};
  options.num_samples = 10;
  options.batch_size = 4;
  int reported = 0;
  options.on_result = [&reported](const SweepResult&) { ++reported; };
  const std::vector<SweepResult> results = sweep_samplers(denoiser, options);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(reported, 4);
  EXPECT_EQ(results[0].sampler, "ddim");
  EXPECT_EQ(results[3].sampler, "heun");
  EXPECT_EQ(results[1].evaluations, 100);
  EXPECT_EQ(results[2].evaluations, 9);  // Heun: 2K - 1
  for (const SweepResult& r : results) {
    EXPECT_EQ(r.samples.sizes(), (std::vector<int64_t>{10, 3}));
    EXPECT_GT(r.seconds_per_sample, 0.0);
  }
  // The same x_T for every cell: at K = T, deterministic DDIM and Heun land close together.
  EXPECT_LT((results[1].samples - results[3].samples).abs().max().item<float>(), 0.05f);
}

// An oracle that takes at least 2 ms per evaluation: a lower bound on the time the sweep must report.
class SlowOracle : public testing::GaussianOracle {
 public:
  using GaussianOracle::GaussianOracle;
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& c) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return GaussianOracle::forward(x_t, t, c);
  }
};

// Each cell is the sampler itself run from the sweep's seed, and its time
// covers every batch and every evaluation.
TEST(SamplerSweep, EachCellIsThatSamplersRunAndItsWholeTime) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  const Denoiser denoiser(std::make_shared<SlowOracle>(schedule, 3, 0.5, 0.3), schedule, Prediction::kEpsilon, false);
  SweepOptions options;
  options.samplers = {"ddpm", "dpm++2m-sde"};
  options.steps = {4, 10};
  options.num_samples = 10;
  options.batch_size = 4;  // three batches
  options.seed = 5;
  for (const SweepResult& r : sweep_samplers(denoiser, options)) {
    const std::unique_ptr<Sampler> sampler = make_sampler(r.sampler, schedule, {});
    sampler->set_timesteps(r.steps);
    GenerateOptions direct;
    direct.num_samples = 10;
    direct.batch_size = 4;
    direct.seed = 5;
    EXPECT_TRUE(torch::equal(r.samples, generate(denoiser, *sampler, direct).samples)) << r.sampler << " " << r.steps;
    EXPECT_GE(r.seconds_per_sample * 10, 3 * r.evaluations * 0.002) << r.sampler << " " << r.steps;
  }
}

TEST(SamplerSweep, BadRequestsFailBeforeAnySampling) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  const Denoiser denoiser(std::make_shared<testing::GaussianOracle>(schedule, 3, 0.5, 0.3), schedule,
                          Prediction::kEpsilon, false);
  SweepOptions options;
  options.samplers = {"ddim"};
  options.steps = {5, 101};
  int reported = 0;
  options.on_result = [&reported](const SweepResult&) { ++reported; };
  EXPECT_THROW(sweep_samplers(denoiser, options), Error);
  EXPECT_EQ(reported, 0);
  options.steps = {5};
  options.samplers = {"ddim", "plms"};
  EXPECT_THROW(sweep_samplers(denoiser, options), Error);
  EXPECT_EQ(reported, 0);
}

}  // namespace
}  // namespace diffuse
