#pragma once

#include <cstdint>

#include <torch/types.h>

namespace diffuse {

struct PrecisionRecall {
  double precision = 0.0;  // share of generated samples inside the real manifold
  double recall = 0.0;     // share of real samples inside the generated manifold
};

// Improved precision and recall (Kynkaanniemi et al. 2019): each set's
// manifold is the union of balls around its points with radius the distance
// to the k-th nearest other point of the same set.
PrecisionRecall precision_recall(const torch::Tensor& real, const torch::Tensor& generated, int64_t k = 3);

}  // namespace diffuse
