#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "diffuse/distributed/communicator.h"

namespace diffuse {

// PyTorch DDP's default bucket: gradients go over the wire in flat buffers of
// at most this size, few calls of a useful size rather than one per tensor.
constexpr int64_t kGradientBucketBytes = 25 * 1024 * 1024;

// After backward on every rank: each parameter's gradient becomes the sum of
// the ranks' gradients (a parameter without one counts as zeros), and each
// tensor of `also` the sum of the ranks' (in the same round of calls). With
// losses scaled by the global batch (training_step), the sum is the
// gradient of the whole batch, so clipping, Adam and the EMA then run
// identically on every rank. A job of one returns at once.
void sum_gradients(Communicator& communicator, const std::vector<torch::Tensor>& parameters,
                   std::vector<torch::Tensor> also = {}, int64_t bucket_bytes = kGradientBucketBytes);

// Rank 0's values into `tensors` on every rank (the weights at the start of a
// job), in flat buffers as above.
void broadcast_tensors(Communicator& communicator, const std::vector<torch::Tensor>& tensors,
                       int64_t bucket_bytes = kGradientBucketBytes);

}  // namespace diffuse
