#include "diffuse/metrics/feature_network.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/io/atomic_file.h"
#include "diffuse/io/checkpoint.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr const char* kWeightsFile = "feature_network.safetensors";
constexpr const char* kInfoFile = "feature_network.json";
constexpr int64_t kEvalBatch = 500;

}  // namespace

FeatureNetworkImpl::FeatureNetworkImpl() {
  namespace nn = torch::nn;
  conv1_ = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, 32, 3).padding(1)));
  norm1_ = register_module("norm1", nn::BatchNorm2d(32));
  conv2_ = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(32, 64, 3).padding(1)));
  norm2_ = register_module("norm2", nn::BatchNorm2d(64));
  hidden_ = register_module("hidden", nn::Linear(64 * 7 * 7, kFeatureDim));
  classifier_ = register_module("classifier", nn::Linear(kFeatureDim, kClasses));
}

torch::Tensor FeatureNetworkImpl::features(const torch::Tensor& images) {
  check(images.dim() == 4 && images.size(1) == 1 && images.size(2) == kImageSize && images.size(3) == kImageSize,
        "feature network: expected grey 28 x 28 images [N, 1, 28, 28]");
  torch::Tensor h = torch::max_pool2d(torch::relu(norm1_(conv1_(images))), 2);
  h = torch::max_pool2d(torch::relu(norm2_(conv2_(h))), 2);
  return torch::relu(hidden_(h.flatten(1)));
}

torch::Tensor FeatureNetworkImpl::logits_from_features(const torch::Tensor& features) {
  return classifier_(torch::dropout(features, 0.3, is_training()));
}

double train_feature_network(FeatureNetwork& network, const LabelledImages& train, const LabelledImages& test,
                             const FeatureTrainingOptions& options) {
  check(options.epochs >= 1 && options.batch_size >= 1, "feature network: epochs and batch size must be >= 1");
  torch::manual_seed(options.seed);
  check(options.max_shift >= 0 && options.max_shift < FeatureNetworkImpl::kImageSize,
        "feature network: the shift must be in [0, 27] pixels");
  torch::Generator generator = at::detail::createCPUGenerator(options.seed);
  const double decay = options.epochs > 1 ? std::pow(0.3, 3.0 / static_cast<double>(options.epochs - 1)) : 1.0;
  torch::optim::Adam optimizer(network->parameters(), torch::optim::AdamOptions(options.learning_rate));
  const int64_t n = train.images.size(0);
  const int64_t batches_per_epoch = (n + options.batch_size - 1) / options.batch_size;
  const int64_t total = batches_per_epoch * options.epochs;
  double smoothed = 0.0;
  int64_t done = 0;
  network->train();
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(n, generator, torch::kLong);
    for (int64_t start = 0; start < n; start += options.batch_size) {
      const torch::Tensor index = order.slice(0, start, start + options.batch_size);
      torch::Tensor images = train.images.index_select(0, index);
      if (options.max_shift > 0) images = randomly_shifted(images, options.max_shift, -1.0, generator);
      const torch::Tensor loss = torch::cross_entropy_loss(network->forward(images), train.labels.index_select(0, index));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      smoothed = done == 0 ? loss.item<double>() : 0.98 * smoothed + 0.02 * loss.item<double>();
      ++done;
      if (options.on_batch) options.on_batch(done, total, smoothed);
    }
    for (auto& group : optimizer.param_groups()) {
      auto& adam = static_cast<torch::optim::AdamOptions&>(group.options());
      adam.lr(adam.lr() * decay);
    }
  }
  return classification_accuracy(network, test);
}

torch::Tensor randomly_shifted(const torch::Tensor& images, int64_t max_shift, double background,
                               torch::Generator& generator) {
  check(images.dim() == 4, "randomly_shifted: expected images [N, C, H, W]");
  check(max_shift >= 0, "randomly_shifted: the shift must be >= 0 pixels");
  const int64_t n = images.size(0), height = images.size(2), width = images.size(3);
  const torch::Tensor padded = torch::constant_pad_nd(images, {max_shift, max_shift, max_shift, max_shift}, background);
  // Offsets of the crop window in the padded image: max_shift is no move.
  const torch::Tensor offsets = torch::randint(0, 2 * max_shift + 1, {n, 2}, generator, torch::kLong);
  const auto offset = offsets.accessor<int64_t, 2>();
  std::vector<torch::Tensor> shifted;
  shifted.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    shifted.push_back(padded[i].narrow(1, offset[i][0], height).narrow(2, offset[i][1], width));
  }
  return torch::stack(shifted);
}

FeaturesAndProbabilities extract_features(FeatureNetwork& network, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  const bool was_training = network->is_training();
  network->eval();
  std::vector<torch::Tensor> features, probabilities;
  for (int64_t start = 0; start < images.size(0); start += kEvalBatch) {
    const torch::Tensor f = network->features(images.slice(0, start, start + kEvalBatch).to(torch::kFloat32));
    features.push_back(f);
    probabilities.push_back(torch::softmax(network->logits_from_features(f), 1));
  }
  network->train(was_training);
  return {torch::cat(features), torch::cat(probabilities)};
}

double classification_accuracy(FeatureNetwork& network, const LabelledImages& data) {
  const torch::Tensor predicted = extract_features(network, data.images).probabilities.argmax(1);
  return predicted.eq(data.labels).to(torch::kFloat64).mean().item<double>();
}

void save_feature_network(const std::string& directory, FeatureNetwork& network, const FeatureNetworkInfo& info) {
  create_directories(directory);
  const std::filesystem::path dir(directory);
  save_weights((dir / kWeightsFile).string(), *network, {{"format", "diffuse-feature-network-v1"}});
  const nlohmann::json json = {{"format", "diffuse-feature-network-v1"},
                               {"architecture", "conv32-bn-pool, conv64-bn-pool, linear 256 (features), linear 10"},
                               {"image_size", FeatureNetworkImpl::kImageSize},
                               {"feature_dim", FeatureNetworkImpl::kFeatureDim},
                               {"data", info.data_spec},
                               {"test_accuracy", info.test_accuracy},
                               {"epochs", info.epochs},
                               {"max_shift", info.max_shift}};
  write_file_atomically((dir / kInfoFile).string(), json.dump(2) + "\n");
}

FeatureNetwork load_feature_network(const std::string& directory, FeatureNetworkInfo* info) {
  const std::filesystem::path dir(directory);
  const std::string info_path = (dir / kInfoFile).string();
  std::ifstream in(info_path);
  check(in.good(), "no feature network in " + directory + " (" + kInfoFile +
                       " missing): train one with 'diffuse eval train-features --data mnist:DIR --out " + directory + "'");
  nlohmann::json json;
  try {
    in >> json;
  } catch (const std::exception& e) {
    throw Error(info_path + ": not valid JSON (" + e.what() + ")");
  }
  check(json.value("format", std::string()) == "diffuse-feature-network-v1",
        info_path + ": not a diffuse feature network description");
  if (info != nullptr) {
    info->data_spec = json.value("data", std::string());
    info->test_accuracy = json.value("test_accuracy", 0.0);
    info->epochs = json.value("epochs", int64_t{0});
    info->max_shift = json.value("max_shift", int64_t{0});
  }
  FeatureNetwork network;
  load_weights((dir / kWeightsFile).string(), *network);
  network->eval();
  return network;
}

}  // namespace diffuse
