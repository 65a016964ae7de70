// Train the MLP on a 2-D distribution, sample it, and measure how far the
// samples are from the data by the energy distance.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/data/toy2d.h"
#include "diffuse/denoiser.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/metrics/energy_distance.h"
#include "diffuse/models/network_registry.h"
#include "diffuse/sampling/ddpm.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/trained_model.h"
#include "diffuse/training/trainer.h"
#include "test_support.h"

namespace diffuse {
namespace {

torch::Tensor sample_points(const NetworkPtr& network, const RunConfig& config, int64_t n) {
  const NoiseSchedule schedule = NoiseSchedule::from_config(config.schedule);
  const Denoiser denoiser(network, schedule, config.prediction, false);
  DdpmSampler sampler(schedule, SamplerOptions{});
  sampler.set_timesteps(schedule.num_timesteps());
  GenerateOptions options;
  options.num_samples = n;
  options.batch_size = n;
  return generate(denoiser, sampler, options).samples;
}

TEST(Toy2dEndToEnd, TrainedModelSamplesAreCloseToTheData) {
  const std::string root = testing::temporary_directory("toy2d");
  RunConfig config = preset_config("toy2d");
  config.data.spec = "toy2d:8gaussians";
  config.schedule.num_timesteps = 200;
  config.training.steps = 1500;
  config.training.sample_every = 0;
  config.training.checkpoint_every = 1500;
  Trainer trainer = Trainer::create(config, root + "/run");
  trainer.run(nullptr, false);

  const Toy2dDataset data("8gaussians");
  const torch::Tensor reference = data.reference_points(1500);
  const double trained = energy_distance(sample_points(load_trained_model(root + "/run").network, config, 1500), reference);
  const double untrained = energy_distance(sample_points(make_network(config.model), config, 1500), reference);
  // Two independent draws of the data itself scatter around 0.
  const double noise_floor = energy_distance(data.reference_points(1500, 2), reference);
  std::printf("energy distance: trained %.4f, untrained %.4f, data vs data %.4f\n", trained, untrained, noise_floor);
  EXPECT_LT(trained, 0.05);
  EXPECT_GT(untrained, 0.3);
}

}  // namespace
}  // namespace diffuse
