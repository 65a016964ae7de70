#pragma once

#include <torch/types.h>

namespace diffuse {

// swish(GroupNorm(x)) in one pass per group, for sampling: float32, CPU,
// outside autograd (Ho et al. apply nonlinearity(normalize(h)) before every
// convolution of a residual block and before the output layer).
//
// At batch 1 the maps are small (3,000-25,000 values) and libtorch's two
// kernels cost more in set-up than in arithmetic: GroupNorm and SiLU took
// 0.52 ms of a 3.8 ms `mnist-small` evaluation (docs/performance.md). Here:
// one output buffer, no statistics tensors, one parallel region, split over
// (sample, group) only where each thread gets enough work.
//
// x: [N, C, ...] float32 on the CPU; weight, bias: [C]. Statistics are those
// of torch::group_norm (biased variance, eps inside the square root); the
// exponential inside the swish is a polynomial accurate to ~2e-7 relative.
torch::Tensor group_norm_swish(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                               const torch::Tensor& bias, double eps);

}  // namespace diffuse
