#pragma once

#include <string>

#include <torch/types.h>

namespace diffuse {

// The arithmetic the network runs in. Weights, optimizer state and the
// sampler's state are float32 either way; kBFloat16 runs convolutions, linear
// layers and attention products in bfloat16 through libtorch's autocast
// (mixed precision: Micikevicius et al. 2018; bfloat16 keeps float32's
// exponent range, so no loss scaling is needed). On CPUs with AVX512_BF16
// this gave 1.5-1.7x for training and sampling (BENCHMARKS.md).
enum class Precision { kFloat32, kBFloat16 };

std::string to_string(Precision precision);
Precision precision_from_string(const std::string& name);  // "fp32" or "bf16"

// Whether this CPU computes bfloat16 in hardware (AVX512_BF16 or AMX). Where
// it does not, libtorch emulates bfloat16 and kBFloat16 runs many times
// slower than kFloat32 (about 20x on an AVX2-only CPU, BENCHMARKS.md).
bool cpu_has_bfloat16_units();
// A warning for the user when `precision` on `device` will be slow, else "".
std::string precision_warning(Precision precision, torch::Device device);

// Autocast to `precision` on `device` for the scope, and the previous
// autocast state back afterwards, even when an error ends the scope.
// kFloat32 leaves everything as it is.
class AutocastGuard {
 public:
  AutocastGuard(Precision precision, torch::Device device);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType device_type_ = c10::DeviceType::CPU;
  bool was_enabled_ = false;
  torch::ScalarType previous_dtype_ = torch::kFloat32;
};

// A layer that must see float32 input whatever autocast produced: GroupNorm's
// CPU kernel in libtorch 1.13 rejects a bfloat16 input with float32 weights,
// and normalisation statistics are better computed in float32 anyway.
inline torch::Tensor as_float32(const torch::Tensor& x) {
  return x.scalar_type() == torch::kFloat32 ? x : x.to(torch::kFloat32);
}

}  // namespace diffuse
