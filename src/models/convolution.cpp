#include "diffuse/models/convolution.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

namespace diffuse {

namespace {

// Whether oneDNN should run this convolution directly (see the header): only
// where libtorch would otherwise choose its one-core im2col kernel and the
// direct call computes the same thing.
bool single_image_for_onednn(const torch::nn::Conv2dImpl& conv, const torch::Tensor& x) {
  const auto& options = conv.options;
  return at::hasMKLDNN() && x.dim() == 4 && x.size(0) == 1 && x.device().is_cpu() &&
         x.scalar_type() == torch::kFloat32 && conv.weight.scalar_type() == torch::kFloat32 &&
         !torch::GradMode::is_enabled() && !at::autocast::is_cpu_enabled() &&
         conv.weight.size(2) == 3 && conv.weight.size(3) == 3 && options.groups() == 1 &&
         c10::get_if<torch::ExpandingArray<2>>(&options.padding()) != nullptr &&
         c10::get_if<torch::enumtype::kZeros>(&options.padding_mode()) != nullptr;
}

}  // namespace

torch::Tensor convolve(torch::nn::Conv2dImpl& conv, const torch::Tensor& x, const torch::Tensor& channel_offset) {
  if (single_image_for_onednn(conv, x)) {
    torch::Tensor bias = conv.bias.defined() ? conv.bias : torch::zeros({conv.weight.size(0)}, x.options());
    if (channel_offset.defined()) bias = bias + channel_offset.to(torch::kFloat32).reshape({-1});
    const auto& options = conv.options;
    const auto& padding = c10::get<torch::ExpandingArray<2>>(options.padding());
    return torch::mkldnn_convolution(x.contiguous(), conv.weight, bias, *padding, *options.stride(),
                                     *options.dilation(), options.groups());
  }
  torch::Tensor y = conv.forward(x);
  if (channel_offset.defined()) y = y + channel_offset.unsqueeze(-1).unsqueeze(-1);
  return y;
}

}  // namespace diffuse
