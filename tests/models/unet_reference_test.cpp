// Diffuse's U-Net against an independent Python PyTorch implementation
// (bench/reference/unet.py, the model the Python benchmark times): the same
// weights through safetensors must give the same output, the same gradients
// of L_simple, and the same FLOP count.
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/io/checkpoint.h"
#include "diffuse/io/safetensors.h"
#include "diffuse/models/flops.h"
#include "diffuse/models/unet.h"
#include "diffuse/run_config.h"
#include "test_support.h"

namespace diffuse {
namespace {

double normalised_error(const torch::Tensor& actual, const torch::Tensor& expected) {
  return ((actual - expected).norm() / expected.norm()).item<double>();
}

void check_against_python(const UNetConfig& config, int64_t batch) {
  const std::string python = testing::python_with_module("torch");
  if (python.empty()) GTEST_SKIP() << "python3-torch is not installed (apt-get install python3-torch)";
  const std::string directory = testing::temporary_directory("unet_reference");
  torch::manual_seed(3);
  UNet network(config);
  {  // Random weights everywhere: the zero-initialised output layers would hide most of the network.
    torch::NoGradGuard no_grad;
    for (auto& parameter : network.parameters()) parameter.normal_(0.0, 0.2);
  }
  const torch::Tensor x = torch::randn({batch, config.in_channels, config.image_size, config.image_size});
  const torch::Tensor t = torch::randint(1000, {batch}, torch::kLong);
  const torch::Tensor target = torch::randn_like(x);
  nlohmann::json model;
  to_json(model, config);
  std::ofstream(directory + "/config.json") << model.dump();
  save_safetensors(directory + "/weights.safetensors", TensorFile{state_of(network), {}});
  save_safetensors(directory + "/input.safetensors", TensorFile{{{"x", x}, {"t", t}, {"target", target}}, {}});

  const std::string command =
      python + " " + DIFFUSE_SOURCE_DIR + "/tests/models/reference/unet_reference.py " + directory;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const auto expected = load_safetensors(directory + "/output.safetensors").tensors;

  network.eval();
  torch::Tensor output;
  {
    torch::NoGradGuard no_grad;
    output = network.forward(x, t);
  }
  const double output_error = normalised_error(output, expected.at("output"));
  std::printf("output: normalised error %.3g (norm %.3g)\n", output_error, expected.at("output").norm().item<double>());
  EXPECT_LT(output_error, 1e-5);

  network.train();
  network.zero_grad();
  torch::mse_loss(network.forward(x, t), target).backward();
  double worst = 0.0;
  std::string worst_name;
  for (const auto& item : network.named_parameters()) {
    const std::string& name = item.key();
    ASSERT_TRUE(expected.count("grad." + name)) << name;
    const double error = normalised_error(item.value().grad(), expected.at("grad." + name));
    if (error > worst) worst = error, worst_name = name;
  }
  std::printf("gradients of %zu parameters: worst normalised error %.3g (%s)\n", network.named_parameters().size(),
              worst, worst_name.c_str());
  EXPECT_LT(worst, 1e-4);

  // The analytic count (flops.h) against the Python hooks on the layers that ran.
  EXPECT_EQ(static_cast<int64_t>(forward_flops(config)) * batch, expected.at("flops").item<int64_t>());
}

TEST(UNetReference, SmallColourNetworkMatchesPythonPyTorch) {
  UNetConfig config;
  config.in_channels = config.out_channels = 3;
  config.image_size = 16;
  config.ch = 16;
  config.ch_mult = {1, 2, 2};
  config.num_res_blocks = 2;
  config.attn_resolutions = {8};
  config.dropout = 0.0;  // the gradient check runs in training mode
  config.num_groups = 8;
  check_against_python(config, 3);
}

TEST(UNetReference, MnistSmallPresetMatchesPythonPyTorch) {
  auto config = *preset_config("mnist-small").model.get_if<UNetConfig>();
  ASSERT_EQ(config.dropout, 0.0);
  check_against_python(config, 2);
}

// Hand count for the smallest network: one level, one block, no attention.
TEST(Flops, HandCountOfATinyUNet) {
  UNetConfig c;
  c.in_channels = c.out_channels = 1;
  c.image_size = 4;
  c.ch = 2;
  c.ch_mult = {1};
  c.num_res_blocks = 1;
  c.attn_resolutions = {};
  c.num_groups = 1;
  const double pixels = 16, e = 8;                                 // 4x4 map, embedding 4 ch
  const double embedding = 2 * (2 * e + e * e);                    // dense0 2->8, dense1 8->8
  const double conv_in = 2 * 1 * 9 * 2 * pixels;                   // 1 -> 2 channels
  auto block = [&](double in, double out) {
    return 2 * in * 9 * out * pixels + 2 * e * out + 2 * out * 9 * out * pixels + (in != out ? 2 * in * out * pixels : 0);
  };
  const double attention = 2 * 2 * 6 * pixels + 2 * 2 * 2 * pixels + 2 * 2 * (2 * pixels * pixels);
  const double mid = 2 * block(2, 2) + attention;
  const double up = block(4, 2) + block(4, 2);                      // each eats a skip of 2 channels
  const double conv_out = 2 * 2 * 9 * 1 * pixels;
  EXPECT_DOUBLE_EQ(forward_flops(c), embedding + conv_in + block(2, 2) + mid + up + conv_out);
  EXPECT_DOUBLE_EQ(training_flops(c), 3 * forward_flops(c));
}

}  // namespace
}  // namespace diffuse
