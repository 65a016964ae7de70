#pragma once

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>

namespace diffuse {

// A learned vector per class plus one for the null label (index
// num_classes), added to the time embedding: the class conditioning of
// classifier-free guidance (Ho & Salimans 2022, sec. 3.2). One network then
// learns p(x | c) and, on the null label, p(x).
class ClassEmbeddingImpl : public torch::nn::Module {
 public:
  ClassEmbeddingImpl(int64_t num_classes, int64_t dim);
  // labels: int64 [N] in [0, num_classes] (Error otherwise), or undefined for
  // the null label throughout; returns [N, dim] on `device`.
  torch::Tensor forward(const torch::Tensor& labels, int64_t batch, const torch::Device& device);
  int64_t num_classes() const { return num_classes_; }

 private:
  int64_t num_classes_;
  torch::nn::Embedding table_{nullptr};
};
TORCH_MODULE(ClassEmbedding);

// Refuses class labels given to a network without classes.
void check_unconditional(const torch::Tensor& class_labels, const char* network);

}  // namespace diffuse
