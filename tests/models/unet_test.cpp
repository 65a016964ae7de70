#include "diffuse/models/unet.h"

#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/models/network_registry.h"
#include "diffuse/run_config.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(UNet, Cifar10PresetHasThePapersParameterCount) {
  // Ho et al. 2020, sec. 4: "Our CIFAR10 model has 35.7 million parameters";
  // the released diffusion_tf model has exactly 35,746,307.
  const NetworkPtr network = make_network(preset_config("cifar10").model);
  EXPECT_EQ(count_parameters(*network), 35746307);
}

TEST(UNet, OutputShapeEqualsInputShapeForEveryImagePreset) {
  torch::NoGradGuard no_grad;
  for (const std::string name : {"mnist-small", "mnist", "cifar10"}) {
    const RunConfig config = preset_config(name);
    const NetworkPtr network = make_network(config.model);
    network->eval();
    std::vector<int64_t> shape{2};
    for (int64_t d : network->sample_shape()) shape.push_back(d);
    const torch::Tensor x = torch::randn(shape);
    const torch::Tensor output = network->forward(x, torch::tensor({0, 999}));
    EXPECT_EQ(output.sizes(), x.sizes()) << name;
  }
}

TEST(UNet, StartsAsZeroAndGradientsReachEveryParameter) {
  UNetConfig config;
  config.ch = 16;
  config.ch_mult = {1, 2};
  config.num_res_blocks = 1;
  config.attn_resolutions = {14};
  config.num_groups = 8;
  config.dropout = 0.0;
  UNet network(config);
  const torch::Tensor x = torch::randn({2, 1, 28, 28});
  const torch::Tensor t = torch::tensor({3, 700});
  // Ho et al. zero-initialise the output convolution: the untrained net predicts 0.
  EXPECT_EQ(network.forward(x, t).abs().max().item<float>(), 0.0f);
  // With the zero-initialised layers made non-zero, every parameter must get a gradient.
  {
    torch::NoGradGuard no_grad;
    for (auto& p : network.parameters()) p.add_(torch::randn_like(p) * 0.05);
  }
  network.forward(x, t).pow(2).sum().backward();
  for (const auto& item : network.named_parameters()) {
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
    EXPECT_GT(item.value().grad().abs().sum().item<double>(), 0.0) << item.key() << " gets no gradient";
  }
}

TEST(UNet, TimeEmbeddingChangesTheOutput) {
  UNetConfig config;
  config.ch = 16;
  config.ch_mult = {1, 2};
  config.num_res_blocks = 1;
  config.attn_resolutions = {};
  config.num_groups = 8;
  UNet network(config);
  network.eval();
  torch::NoGradGuard no_grad;
  for (auto& p : network.parameters()) p.add_(torch::randn_like(p) * 0.05);
  const torch::Tensor x = torch::randn({1, 1, 28, 28});
  EXPECT_FALSE(torch::allclose(network.forward(x, torch::tensor({10})), network.forward(x, torch::tensor({900}))));
}

TEST(UNet, SamplingOneImageGivesWhatTrainingComputesForIt) {
  // Batch-1 sampling takes its own kernels (oneDNN convolutions with the
  // embedding folded into the bias, swish in place); training batches take
  // libtorch's autograd path. Both must be the same function.
  torch::manual_seed(3);
  UNetConfig config;
  config.ch = 32;
  config.ch_mult = {1, 2, 2};
  config.num_res_blocks = 1;
  config.attn_resolutions = {7};
  config.num_groups = 8;
  UNet network(config);
  network.eval();
  {
    torch::NoGradGuard no_grad;
    for (auto& p : network.parameters()) p.add_(torch::randn_like(p) * 0.05);  // no zero-initialised layers
  }
  const torch::Tensor x = torch::randn({2, 1, 28, 28});
  const torch::Tensor t = torch::tensor({700, 20});
  const torch::Tensor in_a_batch = network.forward(x, t).detach();
  for (int64_t i = 0; i < 2; ++i) {
    const c10::InferenceMode inference;
    const torch::Tensor alone = network.forward(x.slice(0, i, i + 1), t.slice(0, i, i + 1));
    const double error = ((alone - in_a_batch.slice(0, i, i + 1)).norm() / in_a_batch.slice(0, i, i + 1).norm()).item<double>();
    EXPECT_LT(error, 1e-5) << "image " << i;
  }
}

TEST(UNet, TakesAnyHeightAndWidthThatAreMultiplesOfItsLevels) {
  torch::manual_seed(0);
  UNetConfig config;  // 28x28, three levels: multiples of 4, attention at 14x14 on the training size
  config.ch = 16;
  config.num_groups = 8;
  ASSERT_EQ(config.size_multiple(), 4);
  UNet network{config};
  for (const auto& [height, width] : std::vector<std::pair<int64_t, int64_t>>{{28, 28}, {16, 40}, {4, 4}, {60, 8}}) {
    const torch::Tensor x = torch::randn({2, 1, height, width});
    const torch::Tensor out = network.forward(x, torch::tensor({3, 500}));
    EXPECT_EQ(out.sizes(), x.sizes()) << height << "x" << width;
    EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
  }
  for (const auto& [height, width] : std::vector<std::pair<int64_t, int64_t>>{{30, 28}, {28, 2}, {0, 28}}) {
    try {
      network.forward(torch::zeros({1, 1, height, width}), torch::tensor({1}));
      FAIL() << height << "x" << width << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("multiples of 4"), std::string::npos) << e.what();
    }
  }
}

TEST(UNet, RejectsConfigurationsItCannotBuild) {
  UNetConfig odd;
  odd.image_size = 30;  // 30 / 2 / 2 is not an integer with three levels
  odd.ch_mult = {1, 2, 2};
  EXPECT_THROW(UNet{odd}, Error);
  UNetConfig groups;
  groups.ch = 20;
  groups.num_groups = 32;
  EXPECT_THROW(UNet{groups}, Error);
  UNetConfig channels;
  channels.out_channels = 2;
  EXPECT_THROW(UNet{channels}, Error);
  UNetConfig base_groups;
  base_groups.ch = 16;
  base_groups.ch_mult = {2, 4};
  base_groups.num_groups = 32;
  EXPECT_THROW(UNet{base_groups}, Error);
  UNet network{UNetConfig{}};
  EXPECT_THROW(network.forward(torch::zeros({1, 3, 28, 28}), torch::tensor({1})), Error);
}

}  // namespace
}  // namespace diffuse
