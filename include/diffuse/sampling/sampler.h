#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include "diffuse/prediction.h"
#include "diffuse/run_config.h"
#include "diffuse/schedule.h"

namespace diffuse {

struct SamplerStep {
  torch::Tensor prev;  // the sample one step further along the reverse process
  torch::Tensor x0;    // the denoiser's estimate of the clean sample at this step
};

// Options every sampler understands.
struct SamplerOptions {
  // Temperature tau: scales x_T and the Gaussian noise injected at every
  // stochastic step. 1 samples the model; < 1 trades diversity for smoother
  // samples; 0 is deterministic.
  double temperature = 1.0;
  ReverseVariance variance = ReverseVariance::kBetaTilde;  // for ancestral DDPM
};

// The reverse process, one step at a time (the set_timesteps / step contract
// of diffusers): call set_timesteps(K), then for i = 0 .. K-1 evaluate the
// denoiser at timesteps()[i] and pass its prediction to step(i, ...).
class Sampler {
 public:
  Sampler(NoiseSchedule schedule, SamplerOptions options);
  virtual ~Sampler() = default;

  virtual std::string name() const = 0;
  // Chooses the K timesteps (descending, indices of the training schedule).
  virtual void set_timesteps(int64_t num_steps) = 0;
  const std::vector<int64_t>& timesteps() const;

  // x_T: pure noise scaled by the temperature.
  virtual torch::Tensor initial_sample(const std::vector<int64_t>& shape, torch::Generator& generator) const;
  // From x_t at timesteps()[index] to the next, less noisy sample.
  virtual SamplerStep step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                           torch::Generator& generator) = 0;

  const NoiseSchedule& schedule() const { return schedule_; }
  const SamplerOptions& options() const { return options_; }

 protected:
  // Noise ~ N(0, I) shaped like x, drawn from `generator`.
  static torch::Tensor gaussian_like(const torch::Tensor& x, torch::Generator& generator);
  void check_step_index(size_t index) const;

  NoiseSchedule schedule_;
  SamplerOptions options_;
  std::vector<int64_t> timesteps_;
};

// The registry behind `diffuse sample --sampler NAME`.
std::unique_ptr<Sampler> make_sampler(const std::string& name, const NoiseSchedule& schedule,
                                      const SamplerOptions& options);
std::vector<std::string> sampler_names();

}  // namespace diffuse
