#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/noise.h"
#include "diffuse/prediction.h"
#include "diffuse/run_config.h"
#include "diffuse/sampling/spacing.h"
#include "diffuse/schedule.h"

namespace diffuse {

struct SamplerStep {
  // The state the network sees next, at timesteps()[index + 1]; after the
  // last evaluation, the finished sample.
  torch::Tensor prev;
  torch::Tensor x0;  // the denoiser's estimate of the clean sample at this step
};

// Stochastic churn of Karras et al. 2022, Algorithm 2: before each step with
// S_tmin <= sigma <= S_tmax the noise level is raised to
// sigma_hat = (1 + gamma) sigma, gamma = min(S_churn / K, sqrt(2) - 1), by
// adding fresh noise of std S_noise sqrt(sigma_hat^2 - sigma^2).
struct ChurnOptions {
  double s_churn = 0.0;  // 0: the deterministic sampler
  double s_tmin = 0.0;
  double s_tmax = std::numeric_limits<double>::infinity();
  double s_noise = 1.0;
};

// Options every sampler understands; each reads the ones that concern it.
struct SamplerOptions {
  // Temperature tau: every sampler starts from x_T ~ N(0, tau^2 I) and every
  // stochastic step multiplies the noise it injects by tau. 1 samples the
  // model; < 1 trades diversity for smoother samples.
  double temperature = 1.0;
  std::optional<Spacing> spacing;  // unset: the sampler's default_spacing()
  ReverseVariance variance = ReverseVariance::kBetaTilde;  // ddpm
  double eta = 0.0;                                        // ddim: 0 deterministic, 1 DDPM-like
  ChurnOptions churn;                                      // euler, heun
};

// The reverse process, one network evaluation at a time (the set_timesteps /
// step contract of diffusers). Call set_timesteps(K); then, starting from
// x = initial_sample(...), for i = 0, 1, ... < timesteps().size(): evaluate
// the denoiser on x at timesteps()[i] and set x = step(prediction, i, x).prev.
// K is the number of steps; a second-order sampler evaluates the network
// more than once per step, so timesteps() may be longer than K.
// Every sampler works in the variance-preserving x_t of the training
// schedule at its interface, whatever space it integrates in.
class Sampler {
 public:
  Sampler(NoiseSchedule schedule, SamplerOptions options);
  virtual ~Sampler() = default;

  virtual std::string name() const = 0;
  virtual Spacing default_spacing() const { return Spacing::kLinspace; }
  Spacing spacing() const { return options_.spacing.value_or(default_spacing()); }

  // Chooses the K steps (with the spacing) and plans the evaluations.
  // `first`: start the reverse process at this timestep instead of T - 1,
  // from a given x_first rather than pure noise (see spaced_timesteps).
  void set_timesteps(int64_t num_steps, int64_t first = -1);
  int64_t num_steps() const;
  // The timestep of each network evaluation, in order.
  const std::vector<int64_t>& timesteps() const;
  // The K timesteps the steps start from, descending; step k goes from
  // step_timesteps()[k] to step_timesteps()[k + 1], the last one to the clean sample.
  const std::vector<int64_t>& step_timesteps() const;

  // x_T: pure noise scaled by the temperature, [noise.count(), ...shape].
  torch::Tensor initial_sample(const std::vector<int64_t>& sample_shape, SampleNoise& noise) const;
  // Consumes the prediction at timesteps()[index]. Steps are taken in order;
  // index 0 starts a new trajectory (and clears multistep history). Every
  // sample's noise comes from its own stream in `noise` (noise.h).
  SamplerStep step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x, SampleNoise& noise);
  // The timestep of the state after evaluation `index`, the one the network
  // sees next; -1 after the last (the clean sample). Sampling hooks noise
  // what they impose to this level.
  int64_t state_timestep(size_t index) const;

  // Markov samplers (no multistep history: ddpm, ddim) may continue from any
  // evaluation, as RePaint's jumps back up the chain need; the others refuse.
  virtual bool is_markov() const { return false; }
  // The next step() may be at `index` (Error unless is_markov()).
  void continue_at(size_t index);

  const NoiseSchedule& schedule() const { return schedule_; }
  const SamplerOptions& options() const { return options_; }

 protected:
  // The network evaluations for the chosen steps; default: one per step.
  virtual std::vector<int64_t> plan_evaluations(const std::vector<int64_t>& steps) { return steps; }
  virtual SamplerStep take_step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x,
                                SampleNoise& noise) = 0;

  // alpha_bar at step position k of step_timesteps(); 1 (clean) at k = K.
  double alpha_bar_at(int64_t k) const;

  NoiseSchedule schedule_;
  SamplerOptions options_;

 private:
  std::vector<int64_t> steps_;
  std::vector<int64_t> evaluations_;
  size_t next_index_ = 0;
};

// The registry behind `diffuse sample --sampler NAME`.
std::unique_ptr<Sampler> make_sampler(const std::string& name, const NoiseSchedule& schedule,
                                      const SamplerOptions& options);
std::vector<std::string> sampler_names();

}  // namespace diffuse
