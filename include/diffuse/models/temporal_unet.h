#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "diffuse/models/network.h"
#include "diffuse/models/network_config.h"

namespace diffuse {

// The temporal U-Net of Diffuser (Janner et al. 2022, sec. 3.2 and appendix
// C; diffuser/models/temporal.py): a trajectory of `horizon` steps of
// `transition_dim` numbers each (for Maze2D the action and the observation,
// [ax, ay, x, y, vx, vy]) is read as a 1-D signal with transition_dim
// channels. Residual blocks of two 1-D convolutions (kernel 5, GroupNorm,
// Mish) with the time embedding added after the first; channels
// dim * dim_mults per level, halved / doubled in length between levels; no
// attention. Its parameters carry Diffuser's names (time_mlp.1.weight,
// downs.0.0.blocks.0.block.0.weight, ...), so Diffuser's state dicts load.
struct TemporalUNetConfig : NetworkConfigBase<TemporalUNetConfig> {
  int64_t horizon = 128;
  int64_t transition_dim = 6;
  int64_t dim = 32;
  std::vector<int64_t> dim_mults{1, 2, 4, 8};
  int64_t kernel_size = 5;
  int64_t num_groups = 8;

  std::string type() const override { return "temporal_unet"; }
  void validate() const override;
  void write_json(nlohmann::json& j) const override;
  NetworkPtr build() const override;
  // One trajectory: [horizon, transition_dim] (Diffuser's [horizon x transition]).
  std::vector<int64_t> sample_shape() const override { return {horizon, transition_dim}; }
  // The network is convolutional along time: it takes trajectories of any
  // length that is a multiple of this (2^(levels - 1), as each level but the
  // last halves the length); `horizon` is the length it was trained on.
  int64_t length_multiple() const { return int64_t{1} << (dim_mults.size() - 1); }
  double forward_flops() const override;
};
void to_json(nlohmann::json& j, const TemporalUNetConfig& config);
void from_json(const nlohmann::json& j, TemporalUNetConfig& config);

// Conv1d -> GroupNorm -> Mish (Diffuser's Conv1dBlock).
class Conv1dBlockImpl : public torch::nn::Module {
 public:
  Conv1dBlockImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t groups);
  torch::Tensor forward(const torch::Tensor& x) { return block_->forward(x); }

 private:
  torch::nn::Sequential block_{nullptr};
};
TORCH_MODULE(Conv1dBlock);

// Two Conv1dBlocks, the time embedding projected and added after the first,
// and a 1x1 convolution on the shortcut when the channels change.
class ResidualTemporalBlockImpl : public torch::nn::Module {
 public:
  ResidualTemporalBlockImpl(int64_t in_channels, int64_t out_channels, int64_t embedding_dim, int64_t kernel_size,
                            int64_t groups);
  // x [N, in, L], embedding [N, embedding_dim] -> [N, out, L].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& embedding);

 private:
  Conv1dBlock first_{nullptr}, second_{nullptr};
  torch::nn::Sequential time_mlp_{nullptr};  // Mish, Linear(embedding_dim, out)
  torch::nn::Conv1d residual_conv_{nullptr};  // null: the identity
};
TORCH_MODULE(ResidualTemporalBlock);

class TemporalUNet : public NoiseNetwork {
 public:
  explicit TemporalUNet(const TemporalUNetConfig& config);
  using NoiseNetwork::forward;
  // x_t [N, L, transition_dim], L a multiple of config().length_multiple()
  // (horizon when sampled as trained); takes no class labels and no mask.
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) override;
  std::vector<int64_t> sample_shape() const override { return config_.sample_shape(); }
  std::string describe() const override;
  const TemporalUNetConfig& config() const { return config_; }

 private:
  struct Level {
    ResidualTemporalBlock first{nullptr}, second{nullptr};
    // Diffuser's Downsample1d (Conv1d 3, stride 2, padding 1), Upsample1d
    // (ConvTranspose1d 4, stride 2, padding 1) or, at the last level, Identity.
    torch::nn::AnyModule resample;
  };

  TemporalUNetConfig config_;
  torch::nn::Sequential time_mlp_{nullptr};  // (sinusoids), Linear(dim, 4 dim), Mish, Linear(4 dim, dim)
  std::vector<Level> downs_, ups_;
  ResidualTemporalBlock mid_first_{nullptr}, mid_second_{nullptr};
  torch::nn::Sequential final_conv_{nullptr};  // Conv1dBlock(dim, dim), Conv1d(dim, transition_dim, 1)
};

}  // namespace diffuse
