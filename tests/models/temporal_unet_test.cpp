#include "diffuse/models/temporal_unet.h"

#include <cmath>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/models/network_registry.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TemporalUNetConfig small_config() {
  TemporalUNetConfig config;
  config.horizon = 16;
  config.transition_dim = 6;
  config.dim = 8;
  config.dim_mults = {1, 2, 4};
  config.num_groups = 4;
  return config;
}

// Parameters of Diffuser's TemporalUnet counted from its description
// (Janner et al. 2022, appendix C), independently of the module tree.
int64_t diffuser_parameter_count(const TemporalUNetConfig& c) {
  const int64_t k = c.kernel_size, e = c.dim;
  const auto conv = [](int64_t in, int64_t out, int64_t kernel) { return in * out * kernel + out; };
  const auto block = [&](int64_t in, int64_t out) {  // ResidualTemporalBlock
    return conv(in, out, k) + 2 * out + conv(out, out, k) + 2 * out + (e * out + out) + (in != out ? conv(in, out, 1) : 0);
  };
  std::vector<int64_t> dims{c.transition_dim};
  for (int64_t m : c.dim_mults) dims.push_back(c.dim * m);
  const auto levels = static_cast<int64_t>(c.dim_mults.size());
  int64_t count = (e * 4 * e + 4 * e) + (4 * e * e + e);  // time MLP
  for (int64_t i = 0; i < levels; ++i) {
    count += block(dims[i], dims[i + 1]) + block(dims[i + 1], dims[i + 1]);
    if (i + 1 < levels) count += conv(dims[i + 1], dims[i + 1], 3);
  }
  count += 2 * block(dims[levels], dims[levels]);
  for (int64_t i = levels - 1; i >= 1; --i) {
    count += block(2 * dims[i + 1], dims[i]) + block(dims[i], dims[i]) + conv(dims[i], dims[i], 4);
  }
  return count + conv(c.dim, c.dim, k) + 2 * c.dim + conv(c.dim, c.transition_dim, 1);
}

TEST(TemporalUNet, MapsTrajectoriesToTrajectories) {
  TemporalUNet network(small_config());
  const torch::Tensor x = torch::randn({3, 16, 6});
  const torch::Tensor out = network.forward(x, torch::tensor({0, 5, 63}));
  EXPECT_EQ(out.sizes(), x.sizes());
  EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
  // The time embedding reaches the output.
  const torch::Tensor other = network.forward(x, torch::tensor({1, 6, 2}));
  EXPECT_GT((out - other).abs().max().item<double>(), 1e-6);
  // One sample does not see another. In float64: in float32 the kernels a
  // batch of 3 and a batch of 1 take may round differently by more than 1e-6.
  network.to(torch::kFloat64);
  const torch::Tensor x64 = x.to(torch::kFloat64);
  const torch::Tensor batch = network.forward(x64, torch::tensor({0, 5, 63}));
  const torch::Tensor alone = network.forward(x64.slice(0, 1, 2), torch::tensor({5}));
  EXPECT_TRUE(torch::allclose(alone, batch.slice(0, 1, 2), 1e-10, 1e-12));
}

TEST(TemporalUNet, HasDiffusersParametersUnderDiffusersNames) {
  for (const TemporalUNetConfig& config : {small_config(), TemporalUNetConfig{}}) {
    TemporalUNet network(config);
    EXPECT_EQ(count_parameters(network), diffuser_parameter_count(config));
  }
  TemporalUNetConfig maze = small_config();
  maze.dim = 32;
  maze.horizon = 128;
  maze.dim_mults = {1, 4, 8};
  maze.num_groups = 8;
  TemporalUNet network(maze);
  EXPECT_EQ(count_parameters(network), diffuser_parameter_count(maze));
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& item : network.named_parameters()) shapes[item.key()] = item.value().sizes().vec();
  const std::map<std::string, std::vector<int64_t>> expected{
      {"time_mlp.1.weight", {128, 32}},
      {"time_mlp.3.weight", {32, 128}},
      {"downs.0.0.blocks.0.block.0.weight", {32, 6, 5}},
      {"downs.0.0.blocks.0.block.2.weight", {32}},  // GroupNorm
      {"downs.0.0.time_mlp.1.weight", {32, 32}},
      {"downs.0.0.residual_conv.weight", {32, 6, 1}},
      {"downs.0.2.conv.weight", {32, 32, 3}},
      {"downs.1.1.blocks.1.block.0.weight", {128, 128, 5}},
      {"mid_block1.blocks.0.block.0.weight", {256, 256, 5}},
      {"ups.0.0.blocks.0.block.0.weight", {128, 512, 5}},
      {"ups.0.2.conv.weight", {128, 128, 4}},  // ConvTranspose1d: [in, out, kernel]
      {"ups.1.0.residual_conv.weight", {32, 256, 1}},
      {"final_conv.0.block.0.weight", {32, 32, 5}},
      {"final_conv.1.weight", {6, 32, 1}},
  };
  for (const auto& [name, shape] : expected) {
    ASSERT_EQ(shapes.count(name), 1u) << name;
    EXPECT_EQ(shapes.at(name), shape) << name;
  }
  EXPECT_EQ(shapes.count("downs.2.2.conv.weight"), 0u);  // the last level does not downsample
  EXPECT_EQ(shapes.count("mid_block1.residual_conv.weight"), 0u);
}

// Conv1d -> GroupNorm -> Mish computed directly in float64.
TEST(TemporalUNet, Conv1dBlockIsConvolutionGroupNormMish) {
  torch::manual_seed(3);
  Conv1dBlock block(3, 4, 5, 2);
  {
    torch::NoGradGuard no_grad;  // a GroupNorm scale and shift other than 1 and 0
    block->named_parameters()["block.2.weight"].normal_();
    block->named_parameters()["block.2.bias"].normal_();
  }
  std::map<std::string, torch::Tensor> p;
  for (const auto& item : block->named_parameters()) p[item.key()] = item.value().detach().to(torch::kFloat64);
  const torch::Tensor x = torch::randn({2, 3, 7}, torch::kFloat64);
  torch::NoGradGuard no_grad;
  const torch::Tensor out = block->forward(x.to(torch::kFloat32)).to(torch::kFloat64);
  const auto w = p["block.0.weight"].accessor<double, 3>();
  const auto b = p["block.0.bias"].accessor<double, 1>();
  const auto in = x.accessor<double, 3>();
  for (int64_t n = 0; n < 2; ++n) {
    double conv[4][7];
    for (int64_t o = 0; o < 4; ++o) {
      for (int64_t l = 0; l < 7; ++l) {
        double sum = b[o];
        for (int64_t c = 0; c < 3; ++c) {
          for (int64_t j = 0; j < 5; ++j) {
            const int64_t at = l + j - 2;  // padding 2
            if (at >= 0 && at < 7) sum += w[o][c][j] * in[n][c][at];
          }
        }
        conv[o][l] = sum;
      }
    }
    for (int64_t g = 0; g < 2; ++g) {  // two groups of two channels
      double mean = 0.0, var = 0.0;
      for (int64_t o = 2 * g; o < 2 * g + 2; ++o)
        for (int64_t l = 0; l < 7; ++l) mean += conv[o][l] / 14.0;
      for (int64_t o = 2 * g; o < 2 * g + 2; ++o)
        for (int64_t l = 0; l < 7; ++l) var += (conv[o][l] - mean) * (conv[o][l] - mean) / 14.0;
      for (int64_t o = 2 * g; o < 2 * g + 2; ++o) {
        for (int64_t l = 0; l < 7; ++l) {
          const double normed = (conv[o][l] - mean) / std::sqrt(var + 1e-5) * p["block.2.weight"][o].item<double>() +
                                p["block.2.bias"][o].item<double>();
          const double mish = normed * std::tanh(std::log1p(std::exp(normed)));
          EXPECT_NEAR(out[n][o][l].item<double>(), mish, 1e-4);
        }
      }
    }
  }
}

TEST(TemporalUNet, CountsItsFlopsAsTheArchitectureImplies) {
  TemporalUNetConfig one = small_config();
  one.dim_mults = {1};
  one.horizon = 10;
  const double d = 8, t = 6, h = 10, k = 5;
  const double block_in = 2 * t * k * d * h + 2 * d * k * d * h + 2 * d * d + 2 * t * d * h;  // with the 1x1 shortcut
  const double block_same = 2 * 2 * d * k * d * h + 2 * d * d;
  const double expected = 2 * d * 4 * d * 2 + block_in + block_same + 2 * block_same + 2 * d * k * d * h + 2 * d * t * h;
  EXPECT_DOUBLE_EQ(one.forward_flops(), expected);
  EXPECT_GT(TemporalUNetConfig{}.forward_flops(), small_config().forward_flops());
}

// Convolutional along time: a trajectory of another multiple of 4 steps
// maps to one as long, and each step sees only a window of its neighbours
// (changing the last step leaves the first unchanged when the receptive
// field is shorter than the trajectory).
TEST(TemporalUNet, TakesAnyLengthThatIsAMultipleOfItsLengthMultiple) {
  TemporalUNet network(small_config());
  ASSERT_EQ(network.config().length_multiple(), 4);
  const torch::Tensor x = torch::randn({2, 64, 6});
  const torch::Tensor out = network.forward(x, torch::tensor({3, 9}));
  EXPECT_EQ(out.sizes(), x.sizes());
  torch::Tensor changed = x.clone();
  changed.select(1, 63).add_(5.0);
  const torch::Tensor other = network.forward(changed, torch::tensor({3, 9}));
  EXPECT_GT((other.select(1, 63) - out.select(1, 63)).abs().max().item<double>(), 1e-4);
  // GroupNorm pools over the whole length, so far steps move a little, not
  // as much as the changed step's neighbourhood.
  EXPECT_LT((other.select(1, 0) - out.select(1, 0)).abs().max().item<double>(),
            (other.select(1, 63) - out.select(1, 63)).abs().max().item<double>());
  EXPECT_EQ(network.forward(torch::randn({1, 8, 6}), torch::tensor({1})).sizes(), (std::vector<int64_t>{1, 8, 6}));
  EXPECT_THROW(network.forward(torch::randn({1, 10, 6}), torch::tensor({1})), Error);
  EXPECT_THROW(network.forward(torch::randn({1, 0, 6}), torch::tensor({1})), Error);
}

TEST(TemporalUNet, RoundTripsItsConfigAndRefusesWhatCannotBeBuilt) {
  nlohmann::json j;
  model_config_to_json(j, ModelConfig{small_config()});
  EXPECT_EQ(j.at("type"), "temporal_unet");
  const ModelConfig back = model_config_from_json(j);
  ASSERT_NE(back.get_if<TemporalUNetConfig>(), nullptr);
  EXPECT_EQ(back.get_if<TemporalUNetConfig>()->dim_mults, (std::vector<int64_t>{1, 2, 4}));
  EXPECT_EQ(back->sample_shape(), (std::vector<int64_t>{16, 6}));
  TemporalUNetConfig odd = small_config();
  odd.horizon = 18;  // three levels halve it twice
  try {
    odd.validate();
    FAIL() << "a horizon of 18 with three levels";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("multiple of 4"), std::string::npos) << e.what();
  }
  TemporalUNetConfig groups = small_config();
  groups.num_groups = 3;
  EXPECT_THROW(groups.validate(), Error);
  TemporalUNet network(small_config());
  EXPECT_THROW(network.forward(torch::randn({2, 16, 5}), torch::tensor({0, 1})), Error);
  Conditioning labelled;
  labelled.class_labels = torch::tensor({0, 1});
  EXPECT_THROW(network.forward(torch::randn({2, 16, 6}), torch::tensor({0, 1}), labelled), Error);
}

}  // namespace
}  // namespace diffuse
