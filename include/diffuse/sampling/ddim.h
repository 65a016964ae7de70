#pragma once

#include "diffuse/sampling/sampler.h"

namespace diffuse {

// Denoising diffusion implicit models (Song et al. 2021), eq. (12):
//   x_prev = sqrt(a_prev) x0_hat + sqrt(1 - a_prev - sigma^2) eps_hat + tau sigma z,
//   sigma  = eta sqrt((1 - a_prev) / (1 - a_t)) sqrt(1 - a_t / a_prev)   (eq. 16),
// with a = alpha_bar. eta = 0 is the deterministic sampler (Euler on the
// probability-flow ODE in sigma = sqrt((1 - a) / a)); eta = 1 injects the
// noise of ancestral DDPM with beta_tilde.
class DdimSampler : public Sampler {
 public:
  DdimSampler(NoiseSchedule schedule, SamplerOptions options);
  bool is_markov() const override { return true; }
  std::string name() const override { return "ddim"; }

 protected:
  SamplerStep take_step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                        SampleNoise& noise) override;
};

}  // namespace diffuse
