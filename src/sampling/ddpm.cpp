#include "diffuse/sampling/ddpm.h"

#include <cmath>

#include <torch/torch.h>

namespace diffuse {

DdpmSampler::DdpmSampler(NoiseSchedule schedule, SamplerOptions options)
    : Sampler(schedule, options), respaced_(std::move(schedule)) {}

std::vector<int64_t> DdpmSampler::plan_evaluations(const std::vector<int64_t>& steps) {
  respaced_ = schedule_.respaced(std::vector<int64_t>(steps.rbegin(), steps.rend()));
  return steps;
}

SamplerStep DdpmSampler::take_step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                                   SampleNoise& noise) {
  // Position in the respaced schedule: the reverse process walks it backwards.
  const int64_t j = num_steps() - 1 - static_cast<int64_t>(index);
  // Ho et al. eq. (7): the posterior mean given the predicted x0.
  torch::Tensor prev = respaced_.posterior_mean_coef_x0(j) * prediction.x0 + respaced_.posterior_mean_coef_xt(j) * x_t;
  if (j > 0 && options_.temperature > 0.0) {
    // Ho et al. sec. 3.2: sigma_t^2 = beta_t or beta_tilde_t; Algorithm 2 adds no noise at the last step.
    const double variance = options_.variance == ReverseVariance::kBeta ? respaced_.beta(j) : respaced_.posterior_variance(j);
    prev = prev + options_.temperature * std::sqrt(variance) * noise.normal_like(x_t);
  }
  return {prev, prediction.x0};
}

}  // namespace diffuse
