#include "diffuse/models/mlp.h"

#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/models/flops.h"
#include "diffuse/util/error.h"
#include "diffuse/util/json_field.h"

namespace diffuse {

void MlpConfig::validate() const {
  constexpr int64_t kMaxSize = int64_t{1} << 20;
  check(data_dim <= kMaxSize && hidden_dim <= kMaxSize && num_blocks <= 1024 && time_embedding_dim <= kMaxSize,
        "mlp: a size in the config is implausibly large (limit 2^20)");
  check(data_dim >= 1, "mlp: data_dim must be >= 1");
  check(hidden_dim >= 1 && num_blocks >= 1, "mlp: hidden_dim and num_blocks must be >= 1");
  check(num_classes >= 0 && num_classes <= kMaxSize, "mlp: num_classes must be in [0, 2^20]");
  check(time_embedding_dim >= 4 && time_embedding_dim % 2 == 0, "mlp: time_embedding_dim must be even and >= 4");
}

void MlpConfig::write_json(nlohmann::json& j) const { to_json(j, *this); }

NetworkPtr MlpConfig::build() const { return std::make_shared<TimeConditionedMlp>(*this); }

double MlpConfig::forward_flops() const { return mlp_forward_flops(*this); }

void to_json(nlohmann::json& j, const MlpConfig& c) {
  j = {{"type", "mlp"},
       {"data_dim", c.data_dim},
       {"hidden_dim", c.hidden_dim},
       {"num_blocks", c.num_blocks},
       {"time_embedding_dim", c.time_embedding_dim},
       {"num_classes", c.num_classes}};
}

void from_json(const nlohmann::json& j, MlpConfig& c) {
  c = MlpConfig{};
  c.data_dim = json_field(j, "data_dim", c.data_dim);
  c.hidden_dim = json_field(j, "hidden_dim", c.hidden_dim);
  c.num_blocks = json_field(j, "num_blocks", c.num_blocks);
  c.time_embedding_dim = json_field(j, "time_embedding_dim", c.time_embedding_dim);
  c.num_classes = json_field(j, "num_classes", c.num_classes);  // absent from runs made before classes existed
}

TimeConditionedMlp::TimeConditionedMlp(const MlpConfig& config) : config_(config) {
  config_.validate();
  const int64_t hidden = config_.hidden_dim;
  time_embedding_ = register_module("time_embedding", TimestepEmbedding(config_.time_embedding_dim, hidden));
  if (config_.num_classes > 0) {
    class_embedding_ = register_module("class_embedding", ClassEmbedding(config_.num_classes, hidden));
  }
  input_ = register_module("input", torch::nn::Linear(config_.data_dim, hidden));
  for (int64_t i = 0; i < config_.num_blocks; ++i) {
    const std::string index = std::to_string(i);
    first_.push_back(register_module("block" + index + "_first", torch::nn::Linear(hidden, hidden)));
    embedding_projection_.push_back(
        register_module("block" + index + "_embedding_projection", torch::nn::Linear(hidden, hidden)));
    second_.push_back(register_module("block" + index + "_second", torch::nn::Linear(hidden, hidden)));
  }
  output_ = register_module("output", torch::nn::Linear(hidden, config_.data_dim));
  init_default(*this);
  init_zero(*output_);
}

torch::Tensor TimeConditionedMlp::forward(const torch::Tensor& x_t, const torch::Tensor& t,
                                          const Conditioning& conditioning) {
  check(x_t.dim() == 2 && x_t.size(1) == config_.data_dim,
        "mlp: expected input [N, " + std::to_string(config_.data_dim) + "], got " + c10::str(x_t.sizes()));
  check(!conditioning.mask.defined(), "mlp: takes no mask");
  torch::Tensor embedding = time_embedding_(t);
  if (class_embedding_) {
    embedding = embedding + class_embedding_(conditioning.class_labels, x_t.size(0), x_t.device());
  } else {
    check_unconditional(conditioning.class_labels, "mlp");
  }
  embedding = torch::silu(embedding);
  torch::Tensor h = input_(x_t);
  for (size_t i = 0; i < first_.size(); ++i) {
    h = h + second_[i](torch::silu(first_[i](torch::silu(h)) + embedding_projection_[i](embedding)));
  }
  return output_(torch::silu(h));
}

std::string TimeConditionedMlp::describe() const {
  std::ostringstream out;
  out << "time-conditioned residual MLP: " << config_.data_dim << "-D data, " << config_.num_blocks
      << " blocks of width " << config_.hidden_dim;
  if (config_.num_classes > 0) out << ", conditioned on " << config_.num_classes << " classes and the null label";
  out << "\n"
      << "  parameters: " << count_parameters(*this);
  return out.str();
}

}  // namespace diffuse
