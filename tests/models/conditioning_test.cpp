// Networks that take class labels: the embedding reaches the output, the null
// label is a class of its own, and every misuse is a clear error.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/models/mlp.h"
#include "diffuse/models/network_registry.h"
#include "diffuse/models/unet.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

UNetConfig tiny_unet(int64_t classes) {
  UNetConfig config;
  config.image_size = 8;
  config.ch = 8;
  config.ch_mult = {1, 2};
  config.num_res_blocks = 1;
  config.attn_resolutions = {4};
  config.num_groups = 4;
  config.dropout = 0.0;
  config.num_classes = classes;
  return config;
}

MlpConfig tiny_mlp(int64_t classes) {
  MlpConfig config;
  config.hidden_dim = 16;
  config.num_blocks = 2;
  config.num_classes = classes;
  return config;
}

// Zero-initialised output layers make every output 0 at first; a few random
// weights let the labels show.
void randomise(NoiseNetwork& network) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : network.parameters()) parameter.normal_(0.0, 0.2);
}

void check_network_takes_labels(const ModelConfig& config) {
  torch::manual_seed(1);
  const NetworkPtr network = make_network(config);
  randomise(*network);
  network->eval();
  ASSERT_EQ(network->num_classes(), 3);
  std::vector<int64_t> shape{4};
  for (int64_t d : network->sample_shape()) shape.push_back(d);
  const torch::Tensor x = torch::randn(shape);
  const torch::Tensor t = torch::full({4}, 10, torch::kLong);
  Conditioning c0, c1, null;
  c0.class_labels = torch::zeros({4}, torch::kLong);
  c1.class_labels = torch::ones({4}, torch::kLong);
  null.class_labels = torch::full({4}, 3, torch::kLong);
  const torch::Tensor out0 = network->forward(x, t, c0), out1 = network->forward(x, t, c1);
  EXPECT_GT((out0 - out1).abs().max().item<double>(), 1e-3);  // the class reaches the output
  // No labels means the null label (unconditional).
  EXPECT_TRUE(torch::allclose(network->forward(x, t), network->forward(x, t, null)));
  // Each row reads its own label.
  Conditioning mixed;
  mixed.class_labels = torch::tensor({0, 1, 0, 1}, torch::kLong);
  const torch::Tensor out_mixed = network->forward(x, t, mixed);
  EXPECT_TRUE(torch::allclose(out_mixed[1], out1[1], 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(out_mixed[2], out0[2], 1e-5, 1e-6));
  Conditioning bad;
  bad.class_labels = torch::full({4}, 4, torch::kLong);
  EXPECT_THROW(network->forward(x, t, bad), Error);  // beyond the null label
  bad.class_labels = torch::full({4}, -1, torch::kLong);
  EXPECT_THROW(network->forward(x, t, bad), Error);
  bad.class_labels = torch::zeros({3}, torch::kLong);
  EXPECT_THROW(network->forward(x, t, bad), Error);  // one label per sample
}

TEST(Conditioning, UNetAndMlpTakeClassLabels) {
  check_network_takes_labels(tiny_unet(3));
  check_network_takes_labels(tiny_mlp(3));
}

TEST(Conditioning, UnconditionalNetworksRefuseLabels) {
  for (const ModelConfig& config : {ModelConfig(tiny_unet(0)), ModelConfig(tiny_mlp(0))}) {
    const NetworkPtr network = make_network(config);
    std::vector<int64_t> shape{2};
    for (int64_t d : network->sample_shape()) shape.push_back(d);
    Conditioning labels;
    labels.class_labels = torch::zeros({2}, torch::kLong);
    EXPECT_THROW(network->forward(torch::zeros(shape), torch::zeros({2}, torch::kLong), labels), Error);
    EXPECT_EQ(network->num_classes(), 0);
    // Without classes the weights are named as before conditioning existed.
    for (const auto& item : network->named_parameters()) EXPECT_EQ(item.key().find("class_embedding"), std::string::npos);
  }
}

TEST(NetworkRegistry, ConfigsRoundTripThroughJsonWithTheirClasses) {
  for (const ModelConfig& config : {ModelConfig(tiny_unet(10)), ModelConfig(tiny_mlp(8))}) {
    nlohmann::json j;
    model_config_to_json(j, config);
    const ModelConfig back = model_config_from_json(j);
    EXPECT_EQ(back->type(), config->type());
    EXPECT_EQ(back->num_classes, config->num_classes);
    EXPECT_EQ(back->sample_shape(), config->sample_shape());
    EXPECT_DOUBLE_EQ(back->forward_flops(), config->forward_flops());
  }
  // A config written before classes existed has none.
  const ModelConfig old = model_config_from_json(nlohmann::json{{"type", "mlp"}, {"data_dim", 2}});
  EXPECT_EQ(old->num_classes, 0);
}

TEST(NetworkRegistry, UnknownKindsNameTheKnownOnes) {
  try {
    model_config_from_json(nlohmann::json{{"type", "transformer"}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("\"transformer\""), std::string::npos) << message;
    for (const NetworkKind& kind : network_kinds()) EXPECT_NE(message.find(kind.type), std::string::npos) << message;
  }
  EXPECT_THROW(model_config_from_json(nlohmann::json{{"type", "mlp"}, {"num_classes", -1}})->validate(), Error);
  const ModelConfig copy = ModelConfig(tiny_mlp(2));
  ModelConfig changed = copy;
  changed->num_classes = 5;  // a copy is a value of its own
  EXPECT_EQ(copy->num_classes, 2);
  EXPECT_THROW(*ModelConfig(), Error);
}

}  // namespace
}  // namespace diffuse
