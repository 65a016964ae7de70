#include "diffuse/metrics/sample_quality.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/io/safetensors.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// FNV-1a over the weights file: identifies the network a cache was made with.
std::string weights_checksum(const std::string& feature_directory) {
  const std::string path = (std::filesystem::path(feature_directory) / "feature_network.safetensors").string();
  std::ifstream in(path, std::ios::binary);
  check(in.good(), "cannot read " + path);
  uint64_t hash = 1469598103934665603ULL;
  for (std::istreambuf_iterator<char> it(in), end; it != end; ++it) {
    hash = (hash ^ static_cast<unsigned char>(*it)) * 1099511628211ULL;
  }
  return std::to_string(hash);
}

std::string cache_name(const std::string& spec) {
  std::string name = "reference_";
  for (char c : spec) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name + ".safetensors";
}

}  // namespace

ReferenceSet reference_set(FeatureNetwork& network, const std::string& feature_directory, const std::string& spec) {
  ReferenceSet reference;
  reference.spec = with_split(spec, Split::kTest);
  const std::string checksum = weights_checksum(feature_directory);
  const std::string cache = (std::filesystem::path(feature_directory) / cache_name(reference.spec)).string();
  std::error_code error;
  if (std::filesystem::is_regular_file(cache, error)) {
    try {
      TensorFile file = load_safetensors(cache);
      if (file.metadata["weights_checksum"] == checksum && file.metadata["spec"] == reference.spec &&
          file.tensors.count("features")) {
        reference.features = file.tensors.at("features");
        reference.stats = gaussian_stats(reference.features);
        return reference;
      }
    } catch (const Error&) {
      // A damaged cache is recomputed below and replaced.
    }
  }
  const LabelledImages images = load_labelled_images(reference.spec, Split::kTest);
  reference.features = extract_features(network, images.images).features;
  reference.stats = gaussian_stats(reference.features);
  TensorFile file;
  file.tensors["features"] = reference.features;
  file.metadata = {{"spec", reference.spec}, {"weights_checksum", checksum}, {"images", images.description}};
  save_safetensors(cache, file);
  return reference;
}

SampleQuality evaluate_samples(FeatureNetwork& network, const ReferenceSet& reference, const torch::Tensor& images,
                               uint64_t seed, const torch::Tensor& intended_classes) {
  check(images.size(0) >= 10, "evaluation: needs at least 10 samples, got " + std::to_string(images.size(0)));
  const FeaturesAndProbabilities extracted = extract_features(network, images);
  SampleQuality quality;
  quality.samples = images.size(0);
  quality.reference = reference.features.size(0);
  quality.fid = frechet_distance(gaussian_stats(extracted.features), reference.stats);
  quality.kid = kernel_inception_distance(extracted.features, reference.features, 100, 1000, seed);
  quality.precision_recall = precision_recall(reference.features, extracted.features, 3);

  const torch::Tensor top = std::get<0>(extracted.probabilities.max(1));
  quality.mean_confidence = top.mean().item<double>();
  quality.confident_share = top.ge(0.9).to(torch::kFloat64).mean().item<double>();
  const torch::Tensor predicted = extracted.probabilities.argmax(1);
  quality.judged_classes = predicted.cpu();
  if (intended_classes.defined()) {
    check(intended_classes.sizes() == predicted.sizes(), "evaluation: expected one intended class per sample");
    const torch::Tensor intended = intended_classes.to(predicted.device());
    const torch::Tensor hits = predicted.eq(intended).to(torch::kFloat64);
    quality.class_accuracy = hits.mean().item<double>();
    for (int64_t c = 0; c < FeatureNetworkImpl::kClasses; ++c) {
      const torch::Tensor asked = intended.eq(c);
      const int64_t n = asked.sum().item<int64_t>();
      quality.class_accuracy_per_class.push_back(n == 0 ? -1.0 : hits.masked_select(asked).mean().item<double>());
    }
  }
  const torch::Tensor counts = torch::bincount(predicted, {}, FeatureNetworkImpl::kClasses);
  for (int64_t c = 0; c < counts.size(0); ++c) quality.class_counts.push_back(counts[c].item<int64_t>());
  for (int64_t count : quality.class_counts) {
    const double p = static_cast<double>(count) / static_cast<double>(quality.samples);
    if (p > 0) quality.class_entropy_bits -= p * std::log2(p);
  }
  return quality;
}

void to_json(nlohmann::json& json, const SampleQuality& q) {
  json = {{"samples", q.samples},
          {"reference_images", q.reference},
          {"fid", q.fid},
          {"kid", q.kid.mean},
          {"kid_standard_error", q.kid.standard_error},
          {"kid_subsets", q.kid.subsets},
          {"kid_subset_size", q.kid.subset_size},
          {"precision", q.precision_recall.precision},
          {"recall", q.precision_recall.recall},
          {"mean_confidence", q.mean_confidence},
          {"class_entropy_bits", q.class_entropy_bits},
          {"confident_share", q.confident_share},
          {"class_counts", q.class_counts}};
  if (q.class_accuracy >= 0) {
    json["class_accuracy"] = q.class_accuracy;
    json["class_accuracy_per_class"] = q.class_accuracy_per_class;
  }
}

}  // namespace diffuse
