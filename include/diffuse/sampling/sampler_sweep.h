#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/denoiser.h"
#include "diffuse/sampling/sampler.h"

namespace diffuse {

// One sampler at one number of steps.
struct SweepResult {
  std::string sampler;
  int64_t steps = 0;
  int64_t evaluations = 0;          // network evaluations per sample batch
  double seconds_per_sample = 0.0;  // wall time of the whole reverse process / samples
  torch::Tensor samples;
};

struct SweepOptions {
  std::vector<std::string> samplers;  // registry names
  std::vector<int64_t> steps;         // K values; those above T are an error
  SamplerOptions sampler_options;     // shared by all (each sampler reads its own)
  int64_t num_samples = 1000;
  int64_t batch_size = 1000;
  uint64_t seed = 0;  // the same x_T for every sampler and K
  std::function<void(const SweepResult&)> on_result;
};

// Samples with every sampler at every K, timing each: the raw material of a
// quality-against-cost comparison.
std::vector<SweepResult> sweep_samplers(const Denoiser& denoiser, const SweepOptions& options);

}  // namespace diffuse
