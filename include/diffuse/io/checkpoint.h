#pragma once

#include <map>
#include <string>

#include <torch/nn/module.h>

namespace diffuse {

// A module's parameters and buffers by name (detached, on the CPU view of
// the same storage): what a weights file holds.
std::map<std::string, torch::Tensor> state_of(const torch::nn::Module& module);

// Copies `weights` into the module. Every tensor the module has must be there
// with the same shape, and nothing else: otherwise Error lists what is
// missing, unexpected or mis-shaped, naming `source` (the file).
void load_state_into(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& weights,
                     const std::string& source);

// The entries of `tensors` whose names start with `prefix`, prefix removed.
std::map<std::string, torch::Tensor> with_prefix_removed(const std::map<std::string, torch::Tensor>& tensors,
                                                          const std::string& prefix);

// Weights files: model.safetensors / ema.safetensors in a run directory.
void save_weights(const std::string& path, const torch::nn::Module& module, const std::map<std::string, std::string>& metadata = {});
void load_weights(const std::string& path, torch::nn::Module& module);

}  // namespace diffuse
