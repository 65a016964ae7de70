#pragma once

#include <string>

#include <torch/types.h>

namespace diffuse {

// "cpu", "cuda" or "cuda:N" as a device, checked: asking for CUDA where this
// libtorch has none, or where no GPU is visible, is an Error that says which.
torch::Device device_from_string(const std::string& name);

// Where a module's parameters live (the CPU for a module without any).
torch::Device device_of(const torch::nn::Module& module);

// N(0, I) noise of `shape` in options' dtype, drawn from a CPU generator and
// then moved to options' device: the same seed gives the same noise on every
// device, so runs and samples reproduce across CPU and GPU up to rounding.
torch::Tensor gaussian_noise(torch::IntArrayRef shape, torch::Generator& generator, const torch::TensorOptions& options);

}  // namespace diffuse
