#include "diffuse/models/unet.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <ATen/autocast_mode.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/models/convolution.h"
#include "diffuse/models/group_norm_swish.h"
#include "diffuse/precision.h"
#include "diffuse/util/error.h"
#include "diffuse/models/flops.h"
#include "diffuse/util/json_field.h"

namespace diffuse {

namespace {

namespace nn = torch::nn;

Convolution conv3x3(int64_t in, int64_t out, int64_t stride = 1) {
  return Convolution(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1));
}

Convolution conv1x1(int64_t in, int64_t out) { return Convolution(nn::Conv2dOptions(in, out, 1)); }

nn::GroupNorm group_norm(int64_t groups, int64_t channels) {
  return nn::GroupNorm(nn::GroupNormOptions(groups, channels).eps(1e-6));
}

// GroupNorm, then swish. Sampling on the CPU (float32, outside autograd and
// autocast) takes the fused kernel; everything else libtorch's two kernels.
torch::Tensor norm_then_swish(nn::GroupNorm& norm, const torch::Tensor& x) {
  const torch::Tensor input = as_float32(x);
  if (!torch::GradMode::is_enabled() && input.device().is_cpu() && !at::autocast::is_cpu_enabled() &&
      norm->options.affine()) {
    return group_norm_swish(input, norm->options.num_groups(), norm->weight, norm->bias, norm->options.eps());
  }
  return torch::silu(norm(input));
}

bool contains(const std::vector<int64_t>& values, int64_t value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string join(const std::vector<int64_t>& values) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
  return text;
}

}  // namespace

void UNetConfig::validate() const {
  // Upper limits far above any real model, so that sizes multiplied below cannot overflow.
  constexpr int64_t kMaxSize = int64_t{1} << 20;
  check(in_channels <= kMaxSize && ch <= kMaxSize && image_size <= kMaxSize && num_res_blocks <= 1024 &&
            num_groups <= kMaxSize,
        "unet: a size in the config is implausibly large (limit 2^20)");
  check(in_channels >= 1, "unet: in_channels must be >= 1");
  check(out_channels == in_channels, "unet: out_channels (" + std::to_string(out_channels) +
                                         ") must equal in_channels (" + std::to_string(in_channels) +
                                         "): the network predicts a tensor shaped like its input");
  check(ch >= 1 && !ch_mult.empty() && ch_mult.size() <= 8, "unet: ch must be >= 1 and ch_mult have 1 to 8 levels");
  check(num_res_blocks >= 1, "unet: num_res_blocks must be >= 1");
  check(dropout >= 0.0 && dropout < 1.0, "unet: dropout must be in [0, 1)");
  check(num_groups >= 1, "unet: num_groups must be >= 1");
  check(num_classes >= 0 && num_classes <= kMaxSize, "unet: num_classes must be in [0, 2^20]");
  const int64_t downsamplings = static_cast<int64_t>(ch_mult.size()) - 1;
  check(image_size >= 1 && image_size % (int64_t{1} << downsamplings) == 0,
        "unet: image_size " + std::to_string(image_size) + " must be divisible by 2^" + std::to_string(downsamplings) +
            " (one halving per ch_mult level after the first)");
  check(ch % num_groups == 0, "unet: ch " + std::to_string(ch) + " is not divisible by num_groups " +
                                 std::to_string(num_groups));
  for (int64_t mult : ch_mult) {
    check(mult >= 1 && mult <= 1024, "unet: ch_mult entries must be in [1, 1024]");
    check((ch * mult) % num_groups == 0, "unet: channels " + std::to_string(ch * mult) +
                                             " are not divisible by num_groups " + std::to_string(num_groups));
  }
}

void UNetConfig::write_json(nlohmann::json& j) const { to_json(j, *this); }

NetworkPtr UNetConfig::build() const { return std::make_shared<UNet>(*this); }

double UNetConfig::forward_flops() const { return unet_forward_flops(*this); }

void to_json(nlohmann::json& j, const UNetConfig& c) {
  j = {{"type", "unet"},
       {"in_channels", c.in_channels},
       {"out_channels", c.out_channels},
       {"image_size", c.image_size},
       {"ch", c.ch},
       {"ch_mult", c.ch_mult},
       {"num_res_blocks", c.num_res_blocks},
       {"attn_resolutions", c.attn_resolutions},
       {"dropout", c.dropout},
       {"num_groups", c.num_groups},
       {"num_classes", c.num_classes}};
}

void from_json(const nlohmann::json& j, UNetConfig& c) {
  c = UNetConfig{};
  c.in_channels = json_field(j, "in_channels", c.in_channels);
  c.out_channels = json_field(j, "out_channels", c.in_channels);
  c.image_size = json_field(j, "image_size", c.image_size);
  c.ch = json_field(j, "ch", c.ch);
  c.ch_mult = json_field(j, "ch_mult", c.ch_mult);
  c.num_res_blocks = json_field(j, "num_res_blocks", c.num_res_blocks);
  c.attn_resolutions = json_field(j, "attn_resolutions", c.attn_resolutions);
  c.dropout = json_field(j, "dropout", c.dropout);
  c.num_groups = json_field(j, "num_groups", c.num_groups);
  c.num_classes = json_field(j, "num_classes", c.num_classes);  // absent from runs made before classes existed
}

ResidualBlockImpl::ResidualBlockImpl(int64_t in_channels, int64_t out_channels, int64_t embedding_dim,
                                     double dropout, int64_t num_groups) {
  norm1_ = register_module("norm1", group_norm(num_groups, in_channels));
  conv1_ = register_module("conv1", conv3x3(in_channels, out_channels));
  embedding_projection_ = register_module("embedding_projection", nn::Linear(embedding_dim, out_channels));
  norm2_ = register_module("norm2", group_norm(num_groups, out_channels));
  dropout_ = register_module("dropout", nn::Dropout(dropout));
  conv2_ = register_module("conv2", conv3x3(out_channels, out_channels));
  if (in_channels != out_channels) shortcut_ = register_module("shortcut", conv1x1(in_channels, out_channels));
  init_default(*this);
  init_zero(*conv2_);  // the block starts as the identity
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& activated_embedding) {
  torch::Tensor h = conv1_(norm_then_swish(norm1_, x), embedding_projection_(activated_embedding));
  h = conv2_(dropout_(norm_then_swish(norm2_, h)));
  return (shortcut_ ? shortcut_(x) : x) + h;
}

AttentionBlockImpl::AttentionBlockImpl(int64_t channels, int64_t num_groups) {
  norm_ = register_module("norm", group_norm(num_groups, channels));
  qkv_ = register_module("qkv", conv1x1(channels, 3 * channels));
  proj_out_ = register_module("proj_out", conv1x1(channels, channels));
  init_default(*this);
  init_zero(*proj_out_);
}

torch::Tensor AttentionBlockImpl::forward(const torch::Tensor& x) {
  const int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
  const auto qkv = qkv_(norm_(as_float32(x))).reshape({batch, 3, channels, height * width}).unbind(1);
  // w_ij = softmax_j(q_i . k_j / sqrt(C)) (Ho et al. attn_block)
  const torch::Tensor weights =
      torch::softmax(torch::bmm(qkv[0].transpose(1, 2), qkv[1]) / std::sqrt(static_cast<double>(channels)), -1);
  const torch::Tensor attended = torch::bmm(qkv[2], weights.transpose(1, 2));  // [N, C, HW]
  return x + proj_out_(attended.reshape({batch, channels, height, width}));
}

UNet::UNet(const UNetConfig& config) : config_(config) {
  config_.validate();
  const int64_t ch = config_.ch;
  const int64_t embedding_dim = 4 * ch;
  const int64_t groups = config_.num_groups;
  const int64_t levels = static_cast<int64_t>(config_.ch_mult.size());

  time_embedding_ = register_module("time_embedding", TimestepEmbedding(ch, embedding_dim));
  init_default(*time_embedding_);
  if (config_.num_classes > 0) {
    class_embedding_ = register_module("class_embedding", ClassEmbedding(config_.num_classes, embedding_dim));
  }
  conv_in_ = register_module("conv_in", conv3x3(config_.in_channels, ch));
  init_default(*conv_in_);

  // Downsampling path; remember the channels of every activation kept for a skip.
  std::vector<int64_t> skip_channels{ch};
  int64_t channels = ch;
  int64_t resolution = config_.image_size;
  for (int64_t level = 0; level < levels; ++level) {
    Stage stage;
    const int64_t out = ch * config_.ch_mult[static_cast<size_t>(level)];
    const std::string prefix = "down" + std::to_string(level);
    for (int64_t b = 0; b < config_.num_res_blocks; ++b) {
      stage.blocks.push_back(register_module(prefix + "_block" + std::to_string(b),
                                             ResidualBlock(channels, out, embedding_dim, config_.dropout, groups)));
      channels = out;
      if (contains(config_.attn_resolutions, resolution)) {
        stage.attention.push_back(
            register_module(prefix + "_attention" + std::to_string(b), AttentionBlock(channels, groups)));
      }
      skip_channels.push_back(channels);
    }
    if (level != levels - 1) {
      stage.resample = register_module(prefix + "_downsample", conv3x3(channels, channels, /*stride=*/2));
      init_default(*stage.resample);
      skip_channels.push_back(channels);
      resolution /= 2;
    }
    down_.push_back(std::move(stage));
  }

  mid_block1_ = register_module("mid_block1", ResidualBlock(channels, channels, embedding_dim, config_.dropout, groups));
  mid_attention_ = register_module("mid_attention", AttentionBlock(channels, groups));
  mid_block2_ = register_module("mid_block2", ResidualBlock(channels, channels, embedding_dim, config_.dropout, groups));

  // Upsampling path: num_res_blocks + 1 blocks per level, each eating one skip.
  for (int64_t level = levels - 1; level >= 0; --level) {
    Stage stage;
    const int64_t out = ch * config_.ch_mult[static_cast<size_t>(level)];
    const std::string prefix = "up" + std::to_string(level);
    for (int64_t b = 0; b <= config_.num_res_blocks; ++b) {
      const int64_t skip = skip_channels.back();
      skip_channels.pop_back();
      stage.blocks.push_back(register_module(
          prefix + "_block" + std::to_string(b), ResidualBlock(channels + skip, out, embedding_dim, config_.dropout, groups)));
      channels = out;
      if (contains(config_.attn_resolutions, resolution)) {
        stage.attention.push_back(
            register_module(prefix + "_attention" + std::to_string(b), AttentionBlock(channels, groups)));
      }
    }
    if (level != 0) {
      stage.resample = register_module(prefix + "_upsample", conv3x3(channels, channels));
      init_default(*stage.resample);
      resolution *= 2;
    }
    up_.push_back(std::move(stage));
  }

  norm_out_ = register_module("norm_out", group_norm(groups, channels));
  conv_out_ = register_module("conv_out", conv3x3(channels, config_.out_channels));
  init_zero(*conv_out_);
}

torch::Tensor UNet::forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) {
  const int64_t multiple = config_.size_multiple();
  check(x_t.dim() == 4 && x_t.size(1) == config_.in_channels && x_t.size(2) >= multiple &&
            x_t.size(2) % multiple == 0 && x_t.size(3) >= multiple && x_t.size(3) % multiple == 0,
        "unet: expected input [N, " + std::to_string(config_.in_channels) + ", H, W] with H and W multiples of " +
            std::to_string(multiple) + " (it was trained on " + std::to_string(config_.image_size) + "x" +
            std::to_string(config_.image_size) + "), got " + c10::str(x_t.sizes()));
  check(!conditioning.mask.defined(), "unet: images take no mask");
  torch::Tensor embedding = time_embedding_(t);
  if (class_embedding_) {
    embedding = embedding + class_embedding_(conditioning.class_labels, x_t.size(0), x_t.device());
  } else {
    check_unconditional(conditioning.class_labels, "unet");
  }
  // Every block of Ho et al. takes nonlinearity(temb); it is one tensor, so it is computed once here.
  embedding = torch::silu(embedding);

  std::vector<torch::Tensor> skips{conv_in_(x_t)};
  for (auto& stage : down_) {
    for (size_t b = 0; b < stage.blocks.size(); ++b) {
      torch::Tensor h = stage.blocks[b](skips.back(), embedding);
      if (!stage.attention.empty()) h = stage.attention[b](h);
      skips.push_back(h);
    }
    if (stage.resample) skips.push_back(stage.resample(skips.back()));
  }

  torch::Tensor h = mid_block2_(mid_attention_(mid_block1_(skips.back(), embedding)), embedding);

  for (auto& stage : up_) {
    for (size_t b = 0; b < stage.blocks.size(); ++b) {
      h = stage.blocks[b](torch::cat({h, skips.back()}, 1), embedding);
      skips.pop_back();
      if (!stage.attention.empty()) h = stage.attention[b](h);
    }
    if (stage.resample) {
      h = stage.resample(torch::nn::functional::interpolate(
          h, torch::nn::functional::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest)));
    }
  }
  return conv_out_(norm_then_swish(norm_out_, h));
}

std::vector<int64_t> UNet::sample_shape() const {
  return {config_.in_channels, config_.image_size, config_.image_size};
}

std::string UNet::describe() const {
  std::ostringstream out;
  out << "U-Net (Ho et al. 2020): " << config_.in_channels << "x" << config_.image_size << "x" << config_.image_size
      << " -> " << config_.out_channels << " channels\n"
      << "  ch " << config_.ch << ", ch_mult " << join(config_.ch_mult) << ", " << config_.num_res_blocks
      << " residual blocks per level, attention at " << (config_.attn_resolutions.empty() ? "none" : join(config_.attn_resolutions))
      << ", dropout " << config_.dropout << ", GroupNorm(" << config_.num_groups << ")";
  if (config_.num_classes > 0) out << ", conditioned on " << config_.num_classes << " classes and the null label";
  out << "\n"
      << "  parameters: " << count_parameters(*this);
  return out.str();
}

}  // namespace diffuse
