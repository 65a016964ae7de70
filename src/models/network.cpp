#include "diffuse/models/network.h"

#include <torch/torch.h>

namespace diffuse {

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t total = 0;
  for (const auto& parameter : module.parameters()) total += parameter.numel();
  return total;
}

namespace {

void init_layer(torch::nn::Module& layer) {
  if (auto* linear = dynamic_cast<torch::nn::LinearImpl*>(&layer)) {
    torch::nn::init::xavier_uniform_(linear->weight);
    if (linear->bias.defined()) torch::nn::init::zeros_(linear->bias);
  } else if (auto* conv = dynamic_cast<torch::nn::Conv2dImpl*>(&layer)) {
    torch::nn::init::xavier_uniform_(conv->weight);
    if (conv->bias.defined()) torch::nn::init::zeros_(conv->bias);
  }
}

}  // namespace

void init_default(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  // modules(include_self = true) needs a shared_ptr to `module`, which a
  // constructor does not have yet: visit it and its descendants separately.
  init_layer(module);
  for (auto& child : module.modules(/*include_self=*/false)) init_layer(*child);
}

void init_zero(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.parameters()) parameter.zero_();
}

}  // namespace diffuse
