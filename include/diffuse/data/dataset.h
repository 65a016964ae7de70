#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace diffuse {

// A finite, indexable collection of training samples, already scaled to the
// model's range ([-1, 1] for pixels).
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual std::vector<int64_t> sample_shape() const = 0;
  // The samples at `indices` stacked: [B, ...sample_shape()], float32.
  virtual torch::Tensor get_batch(const std::vector<int64_t>& indices) const = 0;
  virtual std::string describe() const = 0;
  // Pixel data lives in [-1, 1]: samplers may clip x0 there and flips make sense.
  virtual bool is_image() const = 0;
};

// Images held in memory as one tensor [N, C, H, W] in [-1, 1].
class TensorImageDataset : public Dataset {
 public:
  TensorImageDataset(torch::Tensor images, std::string description);
  int64_t size() const override { return images_.size(0); }
  std::vector<int64_t> sample_shape() const override;
  torch::Tensor get_batch(const std::vector<int64_t>& indices) const override;
  std::string describe() const override { return description_; }
  bool is_image() const override { return true; }
  const torch::Tensor& images() const { return images_; }

 private:
  torch::Tensor images_;
  std::string description_;
};

}  // namespace diffuse
