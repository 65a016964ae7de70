#pragma once

#include "diffuse/sampling/sampler.h"

namespace diffuse {

// Ancestral sampling of Ho et al. 2020 (Algorithm 2) on the K chosen
// timesteps with recomputed betas (Nichol & Dhariwal 2021, sec. 4, "timestep
// respacing"): x_{t-1} = mu_tilde(x_t, x0_hat) + tau sigma_t z, with
// sigma_t^2 = beta_tilde_t or beta_t (SamplerOptions::variance).
class DdpmSampler : public Sampler {
 public:
  DdpmSampler(NoiseSchedule schedule, SamplerOptions options);
  bool is_markov() const override { return true; }
  std::string name() const override { return "ddpm"; }

 protected:
  std::vector<int64_t> plan_evaluations(const std::vector<int64_t>& steps) override;
  SamplerStep take_step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                        SampleNoise& noise) override;

 private:
  NoiseSchedule respaced_;  // the schedule over the kept timesteps
};

}  // namespace diffuse
