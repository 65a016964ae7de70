#include "diffuse/models/convolution.h"

#include <torch/torch.h>

#include "diffuse/util/libtorch_compat.h"

namespace diffuse {

ConvolutionImpl::ConvolutionImpl(const torch::nn::Conv2dOptions& options) : torch::nn::Conv2dImpl(options) {}

// 3x3 kernels always (libtorch would often choose its one-core im2col
// kernel); 1x1 kernels where libtorch itself would choose oneDNN, an image of
// more than 20,480 values (its threshold in 1.13), so that packing is all
// that changes. Only where the direct call computes the same thing.
bool ConvolutionImpl::runs_single_image_in_onednn(const torch::Tensor& x) const {
  constexpr int64_t kLibtorchOneDnnThreshold = 20480;
  const bool kernel_3x3 = weight.size(2) == 3 && weight.size(3) == 3;
  const bool kernel_1x1 = weight.size(2) == 1 && weight.size(3) == 1;
  return at::hasMKLDNN() && x.dim() == 4 && x.size(0) == 1 && x.device().is_cpu() &&
         x.scalar_type() == torch::kFloat32 && weight.scalar_type() == torch::kFloat32 &&
         !torch::GradMode::is_enabled() && !compat::autocast_enabled(c10::DeviceType::CPU) &&
         (kernel_3x3 || (kernel_1x1 && x.numel() > kLibtorchOneDnnThreshold)) && options.groups() == 1 &&
         DIFFUSE_OPTIONS_VARIANT::get_if<torch::ExpandingArray<2>>(&options.padding()) != nullptr &&
         DIFFUSE_OPTIONS_VARIANT::get_if<torch::enumtype::kZeros>(&options.padding_mode()) != nullptr;
}

torch::Tensor ConvolutionImpl::onednn_weight() {
  if (weight.is_inference()) return weight;  // no version counter to watch: let oneDNN reorder it per call
  const std::lock_guard<std::mutex> lock(packed_->mutex);
  if (!packed_->tensor.defined() || packed_->source != weight.data_ptr() ||
      packed_->source_version != static_cast<int64_t>(weight._version())) {
    const auto& padding = DIFFUSE_OPTIONS_VARIANT::get<torch::ExpandingArray<2>>(options.padding());
    packed_->tensor = at::mkldnn_reorder_conv2d_weight(weight.to_mkldnn(), *padding, *options.stride(),
                                                       *options.dilation(), options.groups());
    packed_->source = weight.data_ptr();
    packed_->source_version = static_cast<int64_t>(weight._version());
  }
  return packed_->tensor;
}

torch::Tensor ConvolutionImpl::forward(const torch::Tensor& x, const torch::Tensor& channel_offset) {
  if (runs_single_image_in_onednn(x)) {
    torch::Tensor offset = bias.defined() ? bias : torch::zeros({weight.size(0)}, x.options());
    if (channel_offset.defined()) offset = offset + channel_offset.to(torch::kFloat32).reshape({-1});
    const auto& padding = DIFFUSE_OPTIONS_VARIANT::get<torch::ExpandingArray<2>>(options.padding());
    return torch::mkldnn_convolution(x.contiguous(), onednn_weight(), offset, *padding, *options.stride(),
                                     *options.dilation(), options.groups());
  }
  torch::Tensor y = torch::nn::Conv2dImpl::forward(x);
  if (channel_offset.defined()) y = y + channel_offset.unsqueeze(-1).unsqueeze(-1);
  return y;
}

}  // namespace diffuse
