#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/conditioning.h"

namespace diffuse {

// A finite, indexable collection of training samples, already scaled to the
// model's range ([-1, 1] for pixels), with whatever conditions them (class
// labels, masks). A dataset knows nothing of the network that will read it.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual std::vector<int64_t> sample_shape() const = 0;
  // The samples at `indices` stacked, x0 [B, ...sample_shape()] float32,
  // with their class labels (int64 [B]) when the data has classes.
  virtual Batch get_batch(const std::vector<int64_t>& indices) const = 0;
  virtual std::string describe() const = 0;
  // Pixel data lives in [-1, 1]: samplers may clip x0 there and flips make sense.
  virtual bool is_image() const = 0;
  // Samples lie in [-1, 1], so samplers may clip predicted x0 there (images,
  // normalised trajectories).
  virtual bool bounded() const { return is_image(); }
  // The classes of the data (empty: unlabelled), label i named class_names()[i].
  virtual std::vector<std::string> class_names() const { return {}; }
  int64_t num_classes() const { return static_cast<int64_t>(class_names().size()); }
};

// Images held in memory as one tensor [N, C, H, W] in [-1, 1], with optional labels.
class TensorImageDataset : public Dataset {
 public:
  // labels: undefined, or int64 [N] in [0, class_names.size()).
  TensorImageDataset(torch::Tensor images, std::string description, torch::Tensor labels = {},
                     std::vector<std::string> class_names = {});
  int64_t size() const override { return images_.size(0); }
  std::vector<int64_t> sample_shape() const override;
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  std::string describe() const override { return description_; }
  bool is_image() const override { return true; }
  std::vector<std::string> class_names() const override { return class_names_; }
  const torch::Tensor& images() const { return images_; }
  const torch::Tensor& labels() const { return labels_; }

 private:
  torch::Tensor images_;
  std::string description_;
  torch::Tensor labels_;
  std::vector<std::string> class_names_;
};

}  // namespace diffuse
