#include "diffuse/models/timestep_embedding.h"

#include <cmath>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

torch::Tensor sinusoidal_embedding(const torch::Tensor& t, int64_t dim) {
  check(dim >= 4 && dim % 2 == 0, "timestep embedding: dim must be even and >= 4, got " + std::to_string(dim));
  const int64_t half = dim / 2;
  const double scale = std::log(10000.0) / static_cast<double>(half - 1);
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(t.device());
  const torch::Tensor frequencies = torch::exp(torch::arange(half, options) * -scale);
  const torch::Tensor angles = t.to(torch::kFloat32).unsqueeze(1) * frequencies.unsqueeze(0);
  return torch::cat({torch::sin(angles), torch::cos(angles)}, 1);
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int64_t sinusoid_dim, int64_t embedding_dim)
    : sinusoid_dim_(sinusoid_dim) {
  dense0_ = register_module("dense0", torch::nn::Linear(sinusoid_dim, embedding_dim));
  dense1_ = register_module("dense1", torch::nn::Linear(embedding_dim, embedding_dim));
}

torch::Tensor TimestepEmbeddingImpl::forward(const torch::Tensor& t) {
  return dense1_(torch::silu(dense0_(sinusoidal_embedding(t, sinusoid_dim_))));
}

}  // namespace diffuse
