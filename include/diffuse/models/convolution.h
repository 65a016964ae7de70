#pragma once

#include <torch/nn/modules/conv.h>
#include <torch/types.h>

namespace diffuse {

// conv(x) + channel_offset[:, :, None, None]: a convolution plus a per-sample,
// per-channel offset (the time-embedding projection of Ho et al.'s
// resnet_block), the offset optional ([N, C_out] or undefined).
//
// A single float image on the CPU outside autograd (batch-1 sampling) runs a
// 3x3 kernel straight through oneDNN, with the offset folded into the bias.
// libtorch 1.13 sends such an image to its im2col kernel whenever it holds
// fewer than 20,480 values, and that kernel parallelises over the batch, so
// it runs on one core: a 64->64 3x3 convolution at 14x14 took 232 us there
// and 98 us in oneDNN on 2 cores (Zen 5), and the whole batch-1 evaluation of
// the `mnist` preset fell from 18.5 to 16.0 ms (docs/performance.md). 1x1
// kernels stay where they are: oneDNN's fixed cost per call (~50 us) is more
// than their im2col-free product.
torch::Tensor convolve(torch::nn::Conv2dImpl& conv, const torch::Tensor& x,
                       const torch::Tensor& channel_offset = {});

}  // namespace diffuse
