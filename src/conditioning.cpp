#include "diffuse/conditioning.h"

#include <torch/torch.h>

namespace diffuse {

namespace {

torch::Tensor rows(const torch::Tensor& tensor, int64_t begin, int64_t end) {
  return tensor.defined() ? tensor.slice(0, begin, end) : tensor;
}

torch::Tensor moved(const torch::Tensor& tensor, const torch::Device& device) {
  return tensor.defined() ? tensor.to(device) : tensor;
}

}  // namespace

Conditioning Conditioning::slice(int64_t begin, int64_t end) const {
  return {rows(class_labels, begin, end), rows(mask, begin, end)};
}

Conditioning Conditioning::to(const torch::Device& device) const {
  return {moved(class_labels, device), moved(mask, device)};
}

}  // namespace diffuse
