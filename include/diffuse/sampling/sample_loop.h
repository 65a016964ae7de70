#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "diffuse/conditioning.h"
#include "diffuse/denoiser.h"
#include "diffuse/noise.h"
#include "diffuse/sampling/sampler.h"

namespace diffuse {

// Called after every sampler step; returns the state to go on from (the
// state itself, or a constrained one: RePaint's known pixels, a planner's
// start and goal, atoms held fixed). `timestep` is the level of the new
// state (Sampler::state_timestep; -1: the clean sample), `noise` the
// streams of the samples in x (noise.first() is the first one's index).
using SamplingHook =
    std::function<torch::Tensor(size_t index, int64_t timestep, const torch::Tensor& x, SampleNoise& noise)>;

struct GenerateOptions {
  int64_t num_samples = 16;
  int64_t batch_size = 64;  // samples per network evaluation
  uint64_t seed = 0;        // same seed: same samples, whatever the batch size (noise.h)
  // The shape of one sample; empty: the network's sample_shape(). (A
  // convolutional network may take others: a planner's shorter plans.)
  std::vector<int64_t> sample_shape;
  // Class of each sample, int64 [num_samples] (undefined: unconditional);
  // with guidance, a GuidedDenoiser (guidance.h) as the denoiser.
  torch::Tensor class_labels;
  // Which elements of each sample are real, [num_samples, ...] (undefined:
  // all): the atoms of molecules of different sizes (Conditioning::mask).
  torch::Tensor mask;
  // Elements held at given values in every state, [num_samples, ...sample
  // shape] each (undefined: none): a planner's start and goal for a network
  // trained with them (Conditioning::known).
  torch::Tensor known, known_values;
  std::vector<SamplingHook> hooks;  // applied in order after every step
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

struct ReverseOptions {
  Conditioning conditioning;  // rows of x
  std::vector<SamplingHook> hooks;
  StepObserver observe;
};

// Runs the whole reverse process of `sampler` (its timesteps set) from the
// state x at timesteps()[0], in x's dtype, and returns the finished sample.
torch::Tensor reverse_process(const Denoiser& denoiser, Sampler& sampler, torch::Tensor x, SampleNoise& noise,
                              const ReverseOptions& options = {});
torch::Tensor reverse_process(const Denoiser& denoiser, Sampler& sampler, torch::Tensor x, SampleNoise& noise,
                              const StepObserver& observe);

// Runs the reverse process from pure noise with `sampler` driving `denoiser`.
// The sampler must have its timesteps set.
GenerateResult generate(const Denoiser& denoiser, Sampler& sampler, const GenerateOptions& options);

}  // namespace diffuse
