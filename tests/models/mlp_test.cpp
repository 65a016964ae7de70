#include "diffuse/models/mlp.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/models/model_config.h"
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
  ASSERT_TRUE(std::holds_alternative<MlpConfig>(back));
  EXPECT_EQ(std::get<MlpConfig>(back).hidden_dim, 32);
  EXPECT_THROW(network.forward(torch::randn({5, 3}), torch::tensor({0, 1, 2, 3, 4})), Error);
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"type", "transformer"}}), Error);
}

}  // namespace
}  // namespace diffuse
