#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/types.h>

#include "diffuse/metrics/feature_network.h"
#include "diffuse/metrics/frechet.h"
#include "diffuse/metrics/kid.h"
#include "diffuse/metrics/precision_recall.h"

namespace diffuse {

// The features of a reference split, which every evaluation compares against.
struct ReferenceSet {
  std::string spec;        // with its split, e.g. "mnist:data/mnist:test"
  torch::Tensor features;  // [N, 256]
  GaussianStats stats;
};

// Computes the reference features once and caches them in the feature
// network's directory (reference_<spec>.safetensors), tied to the network's
// weights by a checksum so a retrained network never reuses stale statistics.
// `spec` is an mnist or fashion-mnist spec; without a split, the test split.
ReferenceSet reference_set(FeatureNetwork& network, const std::string& feature_directory, const std::string& spec);

// Every number `diffuse eval` reports for a set of generated images.
struct SampleQuality {
  int64_t samples = 0, reference = 0;
  double fid = 0.0;              // Frechet distance in the feature space
  KidResult kid;                 // unbiased MMD^2, cubic kernel
  PrecisionRecall precision_recall;  // k = 3
  double mean_confidence = 0.0;  // mean of the classifier's top probability
  double class_entropy_bits = 0.0;   // entropy of the predicted-class histogram (max log2 10 = 3.32)
  double confident_share = 0.0;  // share of samples whose top probability is >= 0.9
  std::vector<int64_t> class_counts;
  // Samples of a class-conditional model: the share the classifier assigns
  // to the class each was asked for (-1 when no classes were given).
  double class_accuracy = -1.0;
  // The same share for each class asked for, in class order (empty when no
  // classes were given; -1 for a class with no samples): which classes fail.
  std::vector<double> class_accuracy_per_class;
  torch::Tensor judged_classes;  // int64 [N], on the CPU: the classifier's class for each sample
};

// images: [N, 1, 28, 28] in [-1, 1]; intended_classes: int64 [N], the class
// each sample was generated for, or undefined.
SampleQuality evaluate_samples(FeatureNetwork& network, const ReferenceSet& reference, const torch::Tensor& images,
                               uint64_t seed = 0, const torch::Tensor& intended_classes = {});

void to_json(nlohmann::json& json, const SampleQuality& quality);

}  // namespace diffuse
