// Run directories written before the conditioning redesign (committed
// fixtures made by that version) still load, sample and resume.
#include <filesystem>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/data/toy2d.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/trained_model.h"
#include "diffuse/training/trainer.h"
#include "test_support.h"

namespace diffuse {
namespace {

std::string fixture(const std::string& name) {
  return std::string(DIFFUSE_SOURCE_DIR) + "/tests/fixtures/run_before_conditioning/" + name;
}

// An 8gaussians MLP (2,500 steps): its samples must lie near the eight modes,
// which weights loaded into the wrong layers would not give.
TEST(RunBeforeConditioning, ToyRunLoadsAndSamplesItsModes) {
  const TrainedModel model = load_trained_model(fixture("toy2d"));
  EXPECT_EQ(model.network->num_classes(), 0);
  EXPECT_FALSE(model.config.data.conditional);
  const Denoiser denoiser = make_denoiser(model);
  const std::unique_ptr<Sampler> sampler = make_sampler("ddim", denoiser.schedule(), {});
  sampler->set_timesteps(50);
  GenerateOptions options;
  options.num_samples = 2000;
  options.batch_size = 500;
  const torch::Tensor samples = generate(denoiser, *sampler, options).samples.to(torch::kFloat64);
  // Modes at radius 4 / 1.414, angles k pi / 4, spread 0.35.
  const torch::Tensor angle = torch::arange(8, torch::kFloat64) * (M_PI / 4);
  const torch::Tensor centres = torch::stack({torch::cos(angle), torch::sin(angle)}, 1) * (4.0 / 1.414);
  const torch::Tensor nearest = std::get<0>(torch::cdist(samples, centres).min(1));
  const double near = nearest.lt(1.0).to(torch::kFloat64).mean().item<double>();
  std::printf("share of samples within 1.0 of a mode: %.3f\n", near);
  EXPECT_GT(near, 0.9);
}

TEST(RunBeforeConditioning, ToyRunResumes) {
  const std::string dir = testing::temporary_directory("run_before_conditioning") + "/toy2d";
  std::filesystem::copy(fixture("toy2d"), dir, std::filesystem::copy_options::recursive);
  ResumeOptions more;
  more.total_steps = 2520;
  Trainer trainer = Trainer::resume(dir, more);
  EXPECT_EQ(trainer.step(), 2500);
  const TrainReport report = trainer.run(nullptr, false);
  EXPECT_EQ(report.last_step, 2520);
  EXPECT_TRUE(std::isfinite(report.final_loss));
  EXPECT_EQ(Trainer::resume(dir).step(), 2520);
}

TEST(RunBeforeConditioning, UNetRunLoadsUnderItsOldWeightNames) {
  const TrainedModel model = load_trained_model(fixture("unet"));
  EXPECT_EQ(model.network->sample_shape(), (std::vector<int64_t>{1, 8, 8}));
  const Denoiser denoiser = make_denoiser(model);
  const std::unique_ptr<Sampler> sampler = make_sampler("ddpm", denoiser.schedule(), {});
  sampler->set_timesteps(20);
  GenerateOptions options;
  options.num_samples = 4;
  const torch::Tensor samples = generate(denoiser, *sampler, options).samples;
  EXPECT_EQ(samples.sizes(), torch::IntArrayRef({4, 1, 8, 8}));
  EXPECT_TRUE(torch::isfinite(samples).all().item<bool>());
}

}  // namespace
}  // namespace diffuse
