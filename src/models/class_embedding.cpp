#include "diffuse/models/class_embedding.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

ClassEmbeddingImpl::ClassEmbeddingImpl(int64_t num_classes, int64_t dim) : num_classes_(num_classes) {
  check(num_classes >= 1, "class embedding: needs at least one class");
  // N(0, 1) entries (torch.nn.Embedding's default): of the order of the time embedding they are added to.
  table_ = register_module("table", torch::nn::Embedding(num_classes + 1, dim));
}

torch::Tensor ClassEmbeddingImpl::forward(const torch::Tensor& labels, int64_t batch, const torch::Device& device) {
  if (!labels.defined()) {
    return table_(torch::full({batch}, num_classes_, torch::TensorOptions().dtype(torch::kLong).device(device)));
  }
  check(labels.dim() == 1 && labels.size(0) == batch,
        "class labels: expected [" + std::to_string(batch) + "], got " + c10::str(labels.sizes()));
  const torch::Tensor index = labels.to(device, torch::kLong);
  check(index.ge(0).logical_and(index.le(num_classes_)).all().item<bool>(),
        "class labels must lie in [0, " + std::to_string(num_classes_) + "] (" + std::to_string(num_classes_) +
            " is the null label)");
  return table_(index);
}

void check_unconditional(const torch::Tensor& class_labels, const char* network) {
  check(!class_labels.defined(), std::string(network) + ": this network was trained without classes, so it takes no class labels");
}

}  // namespace diffuse
