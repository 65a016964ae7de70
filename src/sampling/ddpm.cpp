#include "diffuse/sampling/ddpm.h"

#include <cmath>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

std::vector<int64_t> evenly_spaced_timesteps(int64_t num_timesteps, int64_t num_steps) {
  check(num_steps >= 1, "sampling: the number of steps must be >= 1, got " + std::to_string(num_steps));
  check(num_steps <= num_timesteps, "sampling: cannot take " + std::to_string(num_steps) + " steps with a " +
                                        std::to_string(num_timesteps) + "-step schedule");
  if (num_steps == 1) return {num_timesteps - 1};
  std::vector<int64_t> kept;
  const double stride = static_cast<double>(num_timesteps - 1) / static_cast<double>(num_steps - 1);
  for (int64_t i = 0; i < num_steps; ++i) kept.push_back(static_cast<int64_t>(std::llround(i * stride)));
  return kept;
}

DdpmSampler::DdpmSampler(NoiseSchedule schedule, SamplerOptions options)
    : Sampler(schedule, options), respaced_(std::move(schedule)) {}

void DdpmSampler::set_timesteps(int64_t num_steps) {
  const std::vector<int64_t> kept = evenly_spaced_timesteps(schedule_.num_timesteps(), num_steps);
  respaced_ = schedule_.respaced(kept);
  timesteps_.assign(kept.rbegin(), kept.rend());
}

SamplerStep DdpmSampler::step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                              torch::Generator& generator) {
  check_step_index(index);
  // Position in the respaced schedule: the reverse process walks it backwards.
  const int64_t j = static_cast<int64_t>(timesteps_.size() - 1 - index);
  // Ho et al. eq. (7): the posterior mean given the predicted x0.
  torch::Tensor prev = respaced_.posterior_mean_coef_x0(j) * prediction.x0 + respaced_.posterior_mean_coef_xt(j) * x_t;
  if (j > 0 && options_.temperature > 0.0) {
    // Ho et al. sec. 3.2: sigma_t^2 = beta_t or beta_tilde_t; Algorithm 2 adds no noise at the last step.
    const double variance = options_.variance == ReverseVariance::kBeta ? respaced_.beta(j) : respaced_.posterior_variance(j);
    prev = prev + options_.temperature * std::sqrt(variance) * gaussian_like(x_t, generator);
  }
  return {prev, prediction.x0};
}

}  // namespace diffuse
