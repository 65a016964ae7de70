#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "diffuse/denoiser.h"
#include "diffuse/sampling/sampler.h"

namespace diffuse {

struct GenerateOptions {
  int64_t num_samples = 16;
  int64_t batch_size = 64;  // samples per network evaluation
  uint64_t seed = 0;        // same seed and batch size: same samples
  // Frames of the reverse process to keep for the first `trajectory_samples`
  // samples (0: none). Frames are evenly spaced over the steps and include
  // x_T and the final sample.
  int64_t trajectory_frames = 0;
  int64_t trajectory_samples = 8;
  // Called after every network evaluation with (evaluations done, total).
  std::function<void(int64_t, int64_t)> on_step;
};

struct GenerateResult {
  torch::Tensor samples;     // [num_samples, ...sample shape]
  torch::Tensor trajectory;  // [frames, trajectory_samples, ...sample shape], undefined when not asked
  std::vector<int64_t> trajectory_timesteps;  // the timestep of each frame (-1: the final sample)
};

// Called after each network evaluation with its index and the new state.
using StepObserver = std::function<void(size_t index, const torch::Tensor& x)>;

// Runs the whole reverse process of `sampler` (its timesteps set) from the
// state x at timesteps()[0], in x's dtype, and returns the finished sample.
torch::Tensor reverse_process(const Denoiser& denoiser, Sampler& sampler, torch::Tensor x, torch::Generator& generator,
                              const StepObserver& observe = {});

// Runs the reverse process from pure noise with `sampler` driving `denoiser`.
// The sampler must have its timesteps set.
GenerateResult generate(const Denoiser& denoiser, Sampler& sampler, const GenerateOptions& options);

}  // namespace diffuse
