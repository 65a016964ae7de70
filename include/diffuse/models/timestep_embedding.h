#pragma once

#include <cstdint>

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

namespace diffuse {

// Transformer sinusoidal position encoding of the timestep (Vaswani et al.
// 2017, sec. 3.5), as in Ho et al.'s get_timestep_embedding: half the
// channels are sin(t w_k), half cos(t w_k), w_k = 10000^(-k / (half - 1)).
// t: [N] (integer steps as float); returns [N, dim].
torch::Tensor sinusoidal_embedding(const torch::Tensor& t, int64_t dim);

// Sinusoidal encoding followed by the two-layer MLP of Ho et al.'s U-Net
// (dense, swish, dense) that maps it to the network's conditioning vector.
class TimestepEmbeddingImpl : public torch::nn::Module {
 public:
  TimestepEmbeddingImpl(int64_t sinusoid_dim, int64_t embedding_dim);
  torch::Tensor forward(const torch::Tensor& t);

 private:
  int64_t sinusoid_dim_;
  torch::nn::Linear dense0_{nullptr};
  torch::nn::Linear dense1_{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace diffuse
