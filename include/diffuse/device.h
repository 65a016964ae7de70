#pragma once

#include <string>

#include <torch/types.h>

namespace diffuse {

// "cpu", "cuda" or "cuda:N" as a device, checked: asking for CUDA where this
// libtorch has none, or where no GPU is visible, is an Error that says which.
torch::Device device_from_string(const std::string& name);

// Where a module's parameters live (the CPU for a module without any).
torch::Device device_of(const torch::nn::Module& module);

}  // namespace diffuse
