#pragma once

#include <cstdint>

#include <torch/types.h>

namespace diffuse {

struct KidResult {
  double mean = 0.0;            // mean of the per-subset estimates
  double standard_error = 0.0;  // their standard deviation / sqrt(subsets)
  int64_t subsets = 0, subset_size = 0;
};

// Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs"):
// the unbiased estimate of MMD^2 with the cubic polynomial kernel
// k(x, y) = (x . y / D + 1)^3, averaged over `subsets` random subsets of
// `subset_size` vectors from each set (capped at the smaller set's size).
// Unbiased: over many draws it averages to zero for equal distributions.
KidResult kernel_inception_distance(const torch::Tensor& x, const torch::Tensor& y, int64_t subsets = 100,
                                    int64_t subset_size = 1000, uint64_t seed = 0);

}  // namespace diffuse
