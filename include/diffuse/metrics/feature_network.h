#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <ATen/core/Generator.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "diffuse/data/labelled_images.h"

namespace diffuse {

// A small CNN classifier for 28 x 28 grey images (the MNIST family), trained
// by the project itself because standard Inception weights cannot be
// downloaded here. Its penultimate activations are the feature space of FID,
// KID and precision/recall; its softmax gives the class probabilities.
//   conv 3x3 32 - BN - ReLU - maxpool 2 -> conv 3x3 64 - BN - ReLU - maxpool 2
//   -> linear 3136 -> 256 - ReLU (the features) -> dropout -> linear 256 -> 10
class FeatureNetworkImpl : public torch::nn::Module {
 public:
  static constexpr int64_t kImageSize = 28, kClasses = 10, kFeatureDim = 256;
  FeatureNetworkImpl();
  torch::Tensor features(const torch::Tensor& images);  // [N, 1, 28, 28] in [-1, 1] -> [N, 256]
  torch::Tensor logits_from_features(const torch::Tensor& features);  // -> [N, 10]
  torch::Tensor forward(const torch::Tensor& images) { return logits_from_features(features(images)); }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::BatchNorm2d norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Linear hidden_{nullptr}, classifier_{nullptr};
};
TORCH_MODULE(FeatureNetwork);

struct FeatureTrainingOptions {
  int64_t epochs = 4;
  int64_t batch_size = 128;
  // Adam, decayed after each epoch so that with 2 or more epochs the last runs
  // at 0.3^3 of it whatever the count (the factor is 0.3 at the default 4).
  double learning_rate = 2e-3;
  // Each training image moved by up to this many pixels in x and in y
  // (uniform integers, background filled in): the translation augmentation
  // of Simard et al. 2003 (docs/metrics.md has what it measured here).
  int64_t max_shift = 0;
  uint64_t seed = 0;
  // Called after every batch with (batches done, total batches, smoothed loss).
  std::function<void(int64_t, int64_t, double)> on_batch;
};

// Trains on `train` and returns the accuracy on `test` (share of argmax hits).
double train_feature_network(FeatureNetwork& network, const LabelledImages& train, const LabelledImages& test,
                             const FeatureTrainingOptions& options);
double classification_accuracy(FeatureNetwork& network, const LabelledImages& data);

// `images` [N, C, H, W] with each image translated by its own (dy, dx) drawn
// uniformly from [-max_shift, max_shift]; uncovered pixels take `background`.
torch::Tensor randomly_shifted(const torch::Tensor& images, int64_t max_shift, double background,
                               torch::Generator& generator);

// The penultimate features and the class probabilities of `images`, in batches, in evaluation mode.
struct FeaturesAndProbabilities {
  torch::Tensor features;       // [N, 256] float32
  torch::Tensor probabilities;  // [N, 10]
};
FeaturesAndProbabilities extract_features(FeatureNetwork& network, const torch::Tensor& images);

// A feature-network directory: feature_network.safetensors (weights) and
// feature_network.json (what it was trained on and how well it does).
struct FeatureNetworkInfo {
  std::string data_spec;
  double test_accuracy = 0.0;
  int64_t epochs = 0;
  int64_t max_shift = 0;
};
void save_feature_network(const std::string& directory, FeatureNetwork& network, const FeatureNetworkInfo& info);
FeatureNetwork load_feature_network(const std::string& directory, FeatureNetworkInfo* info = nullptr);

}  // namespace diffuse
