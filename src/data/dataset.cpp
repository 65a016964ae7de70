#include "diffuse/data/dataset.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

TensorImageDataset::TensorImageDataset(torch::Tensor images, std::string description)
    : images_(std::move(images)), description_(std::move(description)) {
  check(images_.dim() == 4 && images_.size(0) >= 1, "image dataset: expected [N, C, H, W] with N >= 1, got " +
                                                       c10::str(images_.sizes()));
  images_ = images_.to(torch::kFloat32).contiguous();
}

std::vector<int64_t> TensorImageDataset::sample_shape() const {
  return {images_.size(1), images_.size(2), images_.size(3)};
}

torch::Tensor TensorImageDataset::get_batch(const std::vector<int64_t>& indices) const {
  const torch::Tensor index = torch::tensor(indices, torch::kLong);
  return images_.index_select(0, index);
}

}  // namespace diffuse
