#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include "diffuse/models/network.h"
#include "diffuse/models/timestep_embedding.h"

namespace diffuse {

// A small time-conditioned residual MLP for low-dimensional data (toy 2-D
// distributions, tabular vectors).
struct MlpConfig {
  int64_t data_dim = 2;
  int64_t hidden_dim = 128;
  int64_t num_blocks = 3;
  int64_t time_embedding_dim = 64;  // sinusoid width

  void validate() const;
};
void to_json(nlohmann::json& j, const MlpConfig& config);
void from_json(const nlohmann::json& j, MlpConfig& config);

class TimeConditionedMlp : public NoiseNetwork {
 public:
  explicit TimeConditionedMlp(const MlpConfig& config);
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t) override;
  std::vector<int64_t> sample_shape() const override { return {config_.data_dim}; }
  std::string describe() const override;
  const MlpConfig& config() const { return config_; }

 private:
  MlpConfig config_;
  TimestepEmbedding time_embedding_{nullptr};
  torch::nn::Linear input_{nullptr};
  // Block i: h += second(silu(first(silu(h)) + embedding_projection(silu(emb)))).
  std::vector<torch::nn::Linear> first_, second_, embedding_projection_;
  torch::nn::Linear output_{nullptr};
};

}  // namespace diffuse
