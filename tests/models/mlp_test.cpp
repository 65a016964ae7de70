#include "diffuse/models/mlp.h"

#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/models/network_registry.h"
#include "diffuse/models/timestep_embedding.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(TimestepEmbedding, MatchesTheTransformerFormula) {
  const torch::Tensor embedding = sinusoidal_embedding(torch::tensor({0.0, 7.0}), 8);
  ASSERT_EQ(embedding.sizes(), (std::vector<int64_t>{2, 8}));
  for (int k = 0; k < 4; ++k) {
    const double frequency = std::exp(-std::log(10000.0) * k / 3.0);
    EXPECT_NEAR(embedding[1][k].item<double>(), std::sin(7.0 * frequency), 1e-5);
    EXPECT_NEAR(embedding[1][k + 4].item<double>(), std::cos(7.0 * frequency), 1e-5);
    EXPECT_NEAR(embedding[0][k + 4].item<double>(), 1.0, 1e-6);
  }
}

TEST(TimeConditionedMlp, MapsPointsToPointsAndRoundTripsItsConfig) {
  MlpConfig config;
  config.hidden_dim = 32;
  TimeConditionedMlp network(config);
  const torch::Tensor output = network.forward(torch::randn({5, 2}), torch::tensor({0, 1, 2, 3, 4}));
  EXPECT_EQ(output.sizes(), (std::vector<int64_t>{5, 2}));
  nlohmann::json j;
  model_config_to_json(j, ModelConfig{config});
  const ModelConfig back = model_config_from_json(j);
  ASSERT_NE(back.get_if<MlpConfig>(), nullptr);
  EXPECT_EQ(back.get_if<MlpConfig>()->hidden_dim, 32);
  EXPECT_THROW(network.forward(torch::randn({5, 3}), torch::tensor({0, 1, 2, 3, 4})), Error);
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"type", "transformer"}}), Error);
}

// The network computes what its header says, recomputed here in float64 from
// its named parameters: h = input(x); h += second(silu(first(silu(h)) +
// projection(silu(emb)))) per block; output(silu(h)), with emb the sinusoid
// of t through dense, swish, dense.
TEST(TimeConditionedMlp, ComputesItsDocumentedFunction) {
  MlpConfig config;
  config.hidden_dim = 12;
  config.num_blocks = 2;
  config.time_embedding_dim = 8;
  torch::manual_seed(3);
  TimeConditionedMlp network(config);
  {
    torch::NoGradGuard no_grad;  // the output layer starts at zero; give it weights
    for (auto& parameter : network.parameters()) parameter.normal_(0.0, 0.3);
  }
  std::map<std::string, torch::Tensor> p;
  for (const auto& item : network.named_parameters()) p[item.key()] = item.value().detach().to(torch::kFloat64);
  const auto linear = [&](const std::string& name, const torch::Tensor& x) {
    return torch::matmul(x, p.at(name + ".weight").t()) + p.at(name + ".bias");
  };
  const torch::Tensor x = torch::randn({6, 2}, torch::kFloat64);
  const torch::Tensor t = torch::tensor({0, 1, 10, 100, 500, 999}, torch::kLong);
  const torch::Tensor sinusoid = sinusoidal_embedding(t.to(torch::kFloat64), 8).to(torch::kFloat64);
  const torch::Tensor emb = torch::silu(linear("time_embedding.dense1", torch::silu(linear("time_embedding.dense0", sinusoid))));
  torch::Tensor h = linear("input", x);
  for (int b = 0; b < 2; ++b) {
    const std::string block = "block" + std::to_string(b);
    h = h + linear(block + "_second", torch::silu(linear(block + "_first", torch::silu(h)) +
                                                  linear(block + "_embedding_projection", emb)));
  }
  const torch::Tensor expected = linear("output", torch::silu(h));
  const torch::Tensor actual = network.forward(x.to(torch::kFloat32), t).to(torch::kFloat64);
  EXPECT_LT((actual - expected).abs().max().item<double>(), 1e-4 * (1.0 + expected.abs().max().item<double>()));
  // The timestep matters: the same x at two timesteps gives two outputs.
  EXPECT_GT((network.forward(x.to(torch::kFloat32).slice(0, 0, 1), torch::tensor({0})) -
             network.forward(x.to(torch::kFloat32).slice(0, 0, 1), torch::tensor({900})))
                .abs().max().item<double>(), 1e-3);
}

}  // namespace
}  // namespace diffuse
