#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include "diffuse/models/class_embedding.h"
#include "diffuse/models/network.h"
#include "diffuse/models/network_config.h"
#include "diffuse/models/timestep_embedding.h"

namespace diffuse {

// A small time-conditioned residual MLP for low-dimensional data (toy 2-D
// distributions, tabular vectors); with num_classes > 0 also class-conditional.
struct MlpConfig : NetworkConfigBase<MlpConfig> {
  int64_t data_dim = 2;
  int64_t hidden_dim = 128;
  int64_t num_blocks = 3;
  int64_t time_embedding_dim = 64;  // sinusoid width

  std::string type() const override { return "mlp"; }
  void validate() const override;
  void write_json(nlohmann::json& j) const override;
  NetworkPtr build() const override;
  std::vector<int64_t> sample_shape() const override { return {data_dim}; }
  double forward_flops() const override;
};
void to_json(nlohmann::json& j, const MlpConfig& config);
void from_json(const nlohmann::json& j, MlpConfig& config);

class TimeConditionedMlp : public NoiseNetwork {
 public:
  explicit TimeConditionedMlp(const MlpConfig& config);
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) override;
  std::vector<int64_t> sample_shape() const override { return {config_.data_dim}; }
  int64_t num_classes() const override { return config_.num_classes; }
  std::string describe() const override;
  const MlpConfig& config() const { return config_; }

 private:
  MlpConfig config_;
  TimestepEmbedding time_embedding_{nullptr};
  ClassEmbedding class_embedding_{nullptr};  // null without classes
  torch::nn::Linear input_{nullptr};
  // Block i: h += second(silu(first(silu(h)) + embedding_projection(silu(emb)))).
  std::vector<torch::nn::Linear> first_, second_, embedding_projection_;
  torch::nn::Linear output_{nullptr};
};

}  // namespace diffuse
