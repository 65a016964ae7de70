#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "diffuse/models/class_embedding.h"
#include "diffuse/models/convolution.h"
#include "diffuse/models/network.h"
#include "diffuse/models/network_config.h"
#include "diffuse/models/timestep_embedding.h"

namespace diffuse {

// The U-Net of Ho et al. 2020 (diffusion_tf/models/unet.py), a PixelCNN++
// backbone with Wide-ResNet blocks, GroupNorm, self-attention and a
// sinusoidal time embedding added inside every residual block; with
// num_classes > 0, a class embedding is added to the time embedding.
struct UNetConfig : NetworkConfigBase<UNetConfig> {
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t image_size = 28;
  int64_t ch = 64;                              // base channel count
  std::vector<int64_t> ch_mult{1, 2, 2};        // channels per resolution level = ch * mult
  int64_t num_res_blocks = 2;                   // per level on the way down (one more on the way up)
  std::vector<int64_t> attn_resolutions{14};    // feature-map sizes that get self-attention
  double dropout = 0.1;
  int64_t num_groups = 32;                      // GroupNorm groups

  std::string type() const override { return "unet"; }
  // Throws Error when the configuration cannot be built (channels not
  // divisible by the groups, image size not divisible by 2^(levels-1), ...).
  void validate() const override;
  void write_json(nlohmann::json& j) const override;
  NetworkPtr build() const override;
  std::vector<int64_t> sample_shape() const override { return {in_channels, image_size, image_size}; }
  double forward_flops() const override;
  // The network is convolutional (attention attends to all positions
  // whatever their number), so it also takes images whose height and width
  // are any multiple of this, 2^(levels - 1), e.g. a whole photograph.
  int64_t size_multiple() const { return int64_t{1} << (ch_mult.size() - 1); }
};
void to_json(nlohmann::json& j, const UNetConfig& config);
void from_json(const nlohmann::json& j, UNetConfig& config);

// GroupNorm, swish, conv; plus a projection of the time embedding; plus a
// 1x1 "NIN" shortcut when the channel count changes (Ho et al. resnet_block).
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(int64_t in_channels, int64_t out_channels, int64_t embedding_dim, double dropout,
                    int64_t num_groups);
  // activated_embedding: swish of the time embedding, [N, embedding_dim]
  // (nonlinearity(temb) in Ho et al.; the same for every block, so the
  // caller computes it once).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& activated_embedding);

 private:
  torch::nn::GroupNorm norm1_{nullptr}, norm2_{nullptr};
  Convolution conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear embedding_projection_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  Convolution shortcut_{nullptr};  // null when channels do not change
};
TORCH_MODULE(ResidualBlock);

// Single-head self-attention over all positions (Ho et al. attn_block).
class AttentionBlockImpl : public torch::nn::Module {
 public:
  AttentionBlockImpl(int64_t channels, int64_t num_groups);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::GroupNorm norm_{nullptr};
  Convolution qkv_{nullptr};
  Convolution proj_out_{nullptr};
};
TORCH_MODULE(AttentionBlock);

class UNet : public NoiseNetwork {
 public:
  explicit UNet(const UNetConfig& config);
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) override;
  std::vector<int64_t> sample_shape() const override;
  int64_t num_classes() const override { return config_.num_classes; }
  std::string describe() const override;
  const UNetConfig& config() const { return config_; }

 private:
  // One level of the U-Net: its residual blocks, optional attention after
  // each, and an optional resampling layer at the end.
  struct Stage {
    std::vector<ResidualBlock> blocks;
    std::vector<AttentionBlock> attention;  // empty, or one per block
    Convolution resample{nullptr};    // stride-2 conv down / conv after nearest upsampling
  };

  UNetConfig config_;
  TimestepEmbedding time_embedding_{nullptr};
  ClassEmbedding class_embedding_{nullptr};  // null without classes
  Convolution conv_in_{nullptr};
  std::vector<Stage> down_;
  ResidualBlock mid_block1_{nullptr};
  AttentionBlock mid_attention_{nullptr};
  ResidualBlock mid_block2_{nullptr};
  std::vector<Stage> up_;  // from the lowest resolution up
  torch::nn::GroupNorm norm_out_{nullptr};
  Convolution conv_out_{nullptr};
};

}  // namespace diffuse
