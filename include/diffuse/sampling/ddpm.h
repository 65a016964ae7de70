#pragma once

#include "diffuse/sampling/sampler.h"

namespace diffuse {

// Ancestral sampling of Ho et al. 2020 (Algorithm 2), optionally on a subset
// of K evenly spaced timesteps with recomputed betas (Nichol & Dhariwal 2021,
// sec. 4, "timestep respacing"): x_{t-1} = mu_tilde(x_t, x0_hat) + tau sigma_t z.
class DdpmSampler : public Sampler {
 public:
  DdpmSampler(NoiseSchedule schedule, SamplerOptions options);

  std::string name() const override { return "ddpm"; }
  void set_timesteps(int64_t num_steps) override;
  SamplerStep step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                   torch::Generator& generator) override;

 private:
  NoiseSchedule respaced_;  // the schedule over the kept timesteps
};

// K of T timesteps, evenly spaced and including 0 and T - 1, increasing
// (improved-diffusion's space_timesteps with one section).
std::vector<int64_t> evenly_spaced_timesteps(int64_t num_timesteps, int64_t num_steps);

}  // namespace diffuse
