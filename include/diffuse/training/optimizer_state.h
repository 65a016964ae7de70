#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <torch/nn/module.h>
#include <torch/optim/adam.h>

namespace diffuse {

// Adam's per-parameter state (step count and both moment estimates), named
// after the parameters so it can live in a safetensors checkpoint and be put
// back into a fresh optimizer for an exact resume.
struct AdamState {
  int64_t step = 0;  // 0: the optimizer has not stepped yet
  std::map<std::string, torch::Tensor> exp_avg;
  std::map<std::string, torch::Tensor> exp_avg_sq;
};

AdamState export_adam_state(torch::optim::Adam& optimizer, const torch::nn::Module& model);
void import_adam_state(torch::optim::Adam& optimizer, const torch::nn::Module& model, const AdamState& state,
                       const std::string& source);

// Sets the learning rate of every parameter group.
void set_learning_rate(torch::optim::Adam& optimizer, double learning_rate);

}  // namespace diffuse
