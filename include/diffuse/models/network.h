#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "diffuse/conditioning.h"

namespace diffuse {

// A noise-prediction network: maps (x_t, t, conditioning) to a tensor shaped
// like x_t (eps, x0 or v, see prediction.h). Samplers and the trainer see
// only this interface, so every sampler drives every network.
class NoiseNetwork : public torch::nn::Module {
 public:
  // x_t: [N, ...data shape]; t: [N] timesteps (0-based, integer-valued).
  // A network refuses conditioning it was not built for.
  virtual torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) = 0;
  // Unconditional: the null label for class-conditional networks.
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t) { return forward(x_t, t, Conditioning{}); }
  // The shape of one sample, e.g. {1, 28, 28} or {2}.
  virtual std::vector<int64_t> sample_shape() const = 0;
  // Classes it is conditioned on (0: unconditional); label num_classes() is the null label.
  virtual int64_t num_classes() const { return 0; }
  // `x` (a state, a noise draw, a predicted noise; rows matching
  // `conditioning`) projected onto the space the data lives in. The identity
  // for images and points; molecules live on the zero centre-of-mass
  // subspace with padded atoms at zero (egnn.h). The training noise and the
  // sampler's state after every step pass through it, so the diffusion never
  // leaves that space (EDM for molecules, Hoogeboom et al. 2022, section 3.2).
  virtual torch::Tensor project(const torch::Tensor& x, const Conditioning& conditioning) const {
    (void)conditioning;
    return x;
  }
  // A few lines describing the architecture, for `diffuse info`.
  virtual std::string describe() const = 0;
};

using NetworkPtr = std::shared_ptr<NoiseNetwork>;

// The network in evaluation mode (no dropout) for the scope, and back in the
// mode it had afterwards, even when an error ends the scope.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(NoiseNetwork& network) : network_(network), was_training_(network.is_training()) {
    network_.eval();
  }
  ~EvalModeGuard() { network_.train(was_training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  NoiseNetwork& network_;
  bool was_training_;
};

int64_t count_parameters(const torch::nn::Module& module);

// Xavier-uniform weights and zero biases for every Linear and Conv2d below
// `module`: TensorFlow's variance_scaling(1, fan_avg, uniform), the default_init
// of Ho et al.'s diffusion_tf.
void init_default(torch::nn::Module& module);
// Zero weights and bias: the last layer of each residual branch and the output
// layer start as the identity / zero (Ho et al. init_scale=1e-10).
void init_zero(torch::nn::Module& module);

}  // namespace diffuse
