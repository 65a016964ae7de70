#pragma once

#include <cstdint>

#include "diffuse/models/network_config.h"

namespace diffuse {

// Floating-point operations of one forward pass on one sample, counted from
// the architecture: 2 per multiply-add of every convolution, linear layer and
// attention product (the matmul-shaped work that dominates; normalisation and
// elementwise work are left out, as in the usual FLOP counts of papers).
// Used to turn measured times into GFLOP/s against the machine's ceiling.
inline double forward_flops(const ModelConfig& config) { return config->forward_flops(); }

// The counts of the two network kinds (their configs' forward_flops()).
struct UNetConfig;
struct MlpConfig;
double unet_forward_flops(const UNetConfig& config);
double mlp_forward_flops(const MlpConfig& config);

// A training step costs about three forward passes per sample: the forward
// pass, and a backward pass that computes gradients with respect to both the
// activations and the weights (each as costly as the forward pass).
inline double training_flops(const ModelConfig& config) { return 3.0 * forward_flops(config); }

}  // namespace diffuse
