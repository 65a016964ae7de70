#include "diffuse/training/training_step.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/checkpoint.h"
#include "diffuse/models/unet.h"
#include "tiny_unet.h"

namespace diffuse {
namespace {

using testing::tiny_unet;

// A tiny U-Net with its optimizer and EMA: what a training step needs.
UNet seeded_unet() {
  torch::manual_seed(0);
  return UNet(tiny_unet());
}

struct TrainingSetup {
  UNet network = seeded_unet();
  torch::optim::Adam optimizer{network.parameters(), torch::optim::AdamOptions(1e-3)};
  ExponentialMovingAverage ema{network, 0.99, true};
  NoiseSchedule schedule = NoiseSchedule::linear(1000);
  int64_t steps = 0;

  TrainingStepResult step(const torch::Tensor& x0, const TrainingStepOptions& options) {
    return training_step(network, schedule, optimizer, ema, Batch{x0, {}}, 1e-3, /*seed=*/7, steps++, options);
  }
};

// Mean L_simple over the last steps of training on one fixed batch.
double loss_after_training(Precision precision, int steps) {
  TrainingSetup setup;
  // Smooth images: a learnable signal under the noise.
  const torch::Tensor x0 = torch::sin(torch::linspace(0, 3, 8)).view({1, 1, 1, 8}).expand({8, 1, 8, 8}).contiguous();
  TrainingStepOptions options;
  options.precision = precision;
  double tail = 0.0;
  for (int i = 0; i < steps; ++i) {
    const TrainingStepResult result = setup.step(x0, options);
    EXPECT_TRUE(result.finite);
    if (i >= steps - 20) tail += result.loss / 20.0;
  }
  return tail;
}

TEST(TrainingStep, BFloat16TrainsLikeFloat32) {
  const double fp32 = loss_after_training(Precision::kFloat32, 80);
  const double bf16 = loss_after_training(Precision::kBFloat16, 80);
  std::printf("mean loss over steps 61-80: fp32 %.4f, bf16 %.4f (1.0 at the start)\n", fp32, bf16);
  EXPECT_LT(fp32, 0.5);
  EXPECT_LT(bf16, 0.5);
  EXPECT_NEAR(bf16, fp32, 0.3 * fp32);
}

TEST(TrainingStep, ANonFiniteLossChangesNothing) {
  TrainingSetup setup;
  torch::Tensor x0 = torch::zeros({4, 1, 8, 8});
  x0[0][0][3][3] = std::numeric_limits<float>::quiet_NaN();
  std::map<std::string, torch::Tensor> weights_before;
  for (const auto& [name, tensor] : state_of(setup.network)) weights_before[name] = tensor.clone();
  const TrainingStepResult result = setup.step(x0, {});
  EXPECT_FALSE(result.finite);
  EXPECT_TRUE(std::isnan(result.loss));
  EXPECT_EQ(setup.ema.num_updates(), 0);
  for (const auto& [name, tensor] : state_of(setup.network)) {
    EXPECT_TRUE(torch::equal(tensor, weights_before.at(name))) << name;
  }
}

// A batch's weighted loss is the mean of its examples' unweighted losses,
// each times the weight of the t it drew: example i alone (BatchShare with
// first_example = i) draws exactly what it draws in the batch.
class MinSnrWeighting : public ::testing::TestWithParam<Prediction> {};

TEST_P(MinSnrWeighting, ScalesEachExamplesLossByTheWeightOfItsT) {
  const int64_t batch = 4;
  const torch::Tensor x0 =
      (torch::sin(torch::linspace(0, 3, 8)).view({1, 1, 1, 8}) * torch::linspace(0.5, 1.0, batch).view({batch, 1, 1, 1}))
          .expand({batch, 1, 8, 8})
          .contiguous();
  TrainingStepOptions plain, weighted;
  plain.prediction = weighted.prediction = GetParam();
  weighted.min_snr_gamma = 5.0;
  int low_noise = 0;
  for (int64_t step = 0; step < 4; ++step) {
    TrainingSetup batch_setup;
    batch_setup.steps = step;
    const double loss = batch_setup.step(x0, weighted).loss;
    const torch::Tensor t = draw_training_noise(7, step, 0, batch, x0.sizes().slice(1), 1000, 0.0).t;
    double expected = 0.0;
    for (int64_t i = 0; i < batch; ++i) {
      TrainingSetup alone;
      const double example_loss = training_step(alone.network, alone.schedule, alone.optimizer, alone.ema,
                                                Batch{x0.slice(0, i, i + 1), {}}, 1e-3, /*seed=*/7, step, plain,
                                                BatchShare{nullptr, i}).loss;
      const double alpha_bar = alone.schedule.alpha_bar(t[i].item<int64_t>());
      const double weight = min_snr_loss_weight(GetParam(), alpha_bar / (1.0 - alpha_bar), 5.0);
      expected += weight * example_loss / static_cast<double>(batch);
      if (weight != 1.0) ++low_noise;
    }
    EXPECT_NEAR(loss, expected, 1e-4 * expected) << "step " << step;
  }
  EXPECT_GT(low_noise, 0) << "every weight was 1: the test proves nothing";
}

INSTANTIATE_TEST_SUITE_P(AllTargets, MinSnrWeighting,
                         ::testing::Values(Prediction::kEpsilon, Prediction::kX0, Prediction::kV),
                         [](const ::testing::TestParamInfo<Prediction>& info) { return to_string(info.param); });

}  // namespace
}  // namespace diffuse
