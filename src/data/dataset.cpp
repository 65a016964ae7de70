#include "diffuse/data/dataset.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

TensorImageDataset::TensorImageDataset(torch::Tensor images, std::string description, torch::Tensor labels,
                                       std::vector<std::string> class_names)
    : images_(std::move(images)),
      description_(std::move(description)),
      labels_(std::move(labels)),
      class_names_(std::move(class_names)) {
  check(images_.dim() == 4 && images_.size(0) >= 1, "image dataset: expected [N, C, H, W] with N >= 1, got " +
                                                       c10::str(images_.sizes()));
  images_ = images_.to(torch::kFloat32).contiguous();
  check(labels_.defined() == !class_names_.empty(), "image dataset: labels and class names come together");
  if (labels_.defined()) {
    labels_ = labels_.to(torch::kLong).contiguous();
    check(labels_.dim() == 1 && labels_.size(0) == images_.size(0),
          "image dataset: " + std::to_string(images_.size(0)) + " images but labels shaped " + c10::str(labels_.sizes()));
    check(labels_.ge(0).logical_and(labels_.lt(static_cast<int64_t>(class_names_.size()))).all().item<bool>(),
          "image dataset: a label lies outside the " + std::to_string(class_names_.size()) + " classes");
  }
}

std::vector<int64_t> TensorImageDataset::sample_shape() const {
  return {images_.size(1), images_.size(2), images_.size(3)};
}

Batch TensorImageDataset::get_batch(const std::vector<int64_t>& indices) const {
  const torch::Tensor index = torch::tensor(indices, torch::kLong);
  Batch batch{images_.index_select(0, index), {}};
  if (labels_.defined()) batch.conditioning.class_labels = labels_.index_select(0, index);
  return batch;
}

}  // namespace diffuse
