#include "diffuse/precision.h"

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/denoiser.h"
#include "diffuse/models/temporal_unet.h"
#include "diffuse/models/unet.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(Precision, NamesRoundTripAndUnknownNamesAreErrors) {
  EXPECT_EQ(precision_from_string(to_string(Precision::kFloat32)), Precision::kFloat32);
  EXPECT_EQ(precision_from_string(to_string(Precision::kBFloat16)), Precision::kBFloat16);
  EXPECT_EQ(precision_from_string("bfloat16"), Precision::kBFloat16);
  EXPECT_THROW(precision_from_string("fp16"), Error);
}

TEST(Precision, AutocastGuardTurnsBFloat16OnForItsScopeOnly) {
  const torch::Tensor x = torch::randn({1, 4, 8, 8}), w = torch::randn({4, 4, 3, 3});
  ASSERT_FALSE(at::autocast::is_cpu_enabled());
  {
    const AutocastGuard fp32(Precision::kFloat32, torch::kCPU);
    EXPECT_FALSE(at::autocast::is_cpu_enabled());
    EXPECT_EQ(torch::conv2d(x, w).scalar_type(), torch::kFloat32);
  }
  {
    const AutocastGuard bf16(Precision::kBFloat16, torch::kCPU);
    EXPECT_TRUE(at::autocast::is_cpu_enabled());
    EXPECT_EQ(torch::conv2d(x, w).scalar_type(), torch::kBFloat16);
    {
      const AutocastGuard nested(Precision::kBFloat16, torch::kCPU);
      EXPECT_TRUE(at::autocast::is_cpu_enabled());
    }
    EXPECT_TRUE(at::autocast::is_cpu_enabled());  // the inner scope restores what the outer one set
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  try {
    const AutocastGuard bf16(Precision::kBFloat16, torch::kCPU);
    throw Error("ends the scope");
  } catch (const Error&) {
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  EXPECT_EQ(torch::conv2d(x, w).scalar_type(), torch::kFloat32);
}

// bfloat16 keeps 8 bits of mantissa (relative rounding 2^-9 per operation);
// through the ~20 layers of a U-Net with random weights the output moves by a
// few percent, and the Denoiser hands samplers float32 either way.
double bfloat16_error(const NetworkPtr& network, const std::vector<int64_t>& sample_shape) {
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : network->parameters()) parameter.normal_(0.0, 0.1);
  }
  network->eval();
  const NoiseSchedule schedule = NoiseSchedule::linear(1000, 1e-4, 0.02);
  const Denoiser fp32(network, schedule, Prediction::kEpsilon, false, Precision::kFloat32);
  const Denoiser bf16(network, schedule, Prediction::kEpsilon, false, Precision::kBFloat16);
  torch::NoGradGuard no_grad;
  std::vector<int64_t> shape{4};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  const torch::Tensor x = torch::randn(shape);
  const EpsilonAndX0 exact = fp32.predict(x, 300), mixed = bf16.predict(x, 300);
  EXPECT_EQ(mixed.eps.scalar_type(), torch::kFloat32);
  EXPECT_EQ(mixed.x0.scalar_type(), torch::kFloat32);
  const double error = ((mixed.eps - exact.eps).norm() / exact.eps.norm()).item<double>();
  std::printf("bf16 vs fp32 eps prediction: normalised error %.3g\n", error);
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  return error;
}

TEST(Precision, BFloat16DenoiserIsCloseToFloat32) {
  UNetConfig config;
  config.image_size = 16;
  config.ch = 32;
  config.ch_mult = {1, 2};
  config.attn_resolutions = {8};
  config.num_groups = 8;
  torch::manual_seed(0);
  const double error = bfloat16_error(std::make_shared<UNet>(config), {1, 16, 16});
  EXPECT_LT(error, 0.1);
  EXPECT_GT(error, 1e-5);  // it did run in bfloat16
}

// Diffuser's temporal U-Net: GroupNorm and Mish have no bfloat16 CPU kernels
// in libtorch, so the network hands them float32 under autocast.
TEST(Precision, BFloat16TemporalUNetIsCloseToFloat32) {
  TemporalUNetConfig config;
  config.horizon = 32;
  config.dim = 16;
  config.dim_mults = {1, 2, 4};
  torch::manual_seed(0);
  const double error = bfloat16_error(std::make_shared<TemporalUNet>(config), config.sample_shape());
  EXPECT_LT(error, 0.1);
  EXPECT_GT(error, 1e-5);
}

}  // namespace
}  // namespace diffuse
