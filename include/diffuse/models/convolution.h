#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/types.h>

namespace diffuse {

// A 2-D convolution layer: torch::nn::Conv2d (same parameters, same names in
// checkpoints) whose forward also adds a per-sample, per-channel offset,
// conv(x) + channel_offset[:, :, None, None] (the time-embedding projection of
// Ho et al.'s resnet_block; [N, C_out], or undefined for none).
//
// A single float image on the CPU outside autograd (batch-1 sampling) runs a
// 3x3 kernel straight through oneDNN, with the offset folded into the bias and
// the weight kept in oneDNN's blocked layout between calls:
// - libtorch 1.13 sends such an image to its im2col kernel whenever it holds
//   fewer than 20,480 values, and that kernel parallelises over the batch, so
//   it runs on one core: a 64->64 3x3 convolution at 14x14 took 232 us there
//   and 98 us in oneDNN on 2 cores (Zen 5);
// - oneDNN called with a plain weight reorders it on every call; packed once,
//   the same convolution took 77 us (docs/performance.md has the whole-model
//   figures).
// The packed copy is remade when the weight changes (its data pointer or
// version counter moves: an optimizer step, an EMA swap, a load). Small 1x1
// kernels stay on libtorch's path, as libtorch chooses: oneDNN's fixed cost
// per call (~40 us) is more than their whole product (64->64 at 7x7: 7 us).
class ConvolutionImpl : public torch::nn::Conv2dImpl {
 public:
  explicit ConvolutionImpl(const torch::nn::Conv2dOptions& options);

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& channel_offset = {});

 private:
  bool runs_single_image_in_onednn(const torch::Tensor& x) const;
  torch::Tensor onednn_weight();

  struct PackedWeight {
    std::mutex mutex;
    torch::Tensor tensor;  // the weight in oneDNN's blocked layout
    const void* source = nullptr;
    int64_t source_version = -1;
  };
  // Shared, not owned, so that the layer stays copyable (libtorch's clone());
  // the packed tensor is checked against the weight on every use.
  std::shared_ptr<PackedWeight> packed_ = std::make_shared<PackedWeight>();
};
TORCH_MODULE(Convolution);

}  // namespace diffuse
