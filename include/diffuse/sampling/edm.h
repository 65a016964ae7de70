#pragma once

#include "diffuse/sampling/sampler.h"

namespace diffuse {

// The deterministic-plus-churn sampler of Karras et al. 2022 (EDM),
// Algorithm 2, on the probability-flow ODE dx/dsigma = (x - D(x; sigma)) / sigma
// of the variance-exploding view x = x_t / sqrt(alpha_bar), sigma = sqrt((1 - alpha_bar) / alpha_bar).
// There (x - D) / sigma is exactly the predicted eps. Each step k:
//   churn:  sigma_hat = (1 + gamma_k) sigma_k, x_hat = x + tau S_noise sqrt(sigma_hat^2 - sigma_k^2) z;
//   Euler:  x_next = x_hat + (sigma_{k+1} - sigma_hat) d,  d = eps_hat(x_hat, sigma_hat);
//   Heun:   x_next = x_hat + (sigma_{k+1} - sigma_hat) (d + d') / 2,  d' = eps_hat(x_next_euler, sigma_{k+1}),
//           except on the last step, which lands on sigma = 0 (Algorithm 2, line 9).
// Noise levels are those of the training timesteps: like EDM's round_sigma
// for discrete models, sigma_hat is rounded to the nearest training sigma.
// The first step is not churned: its state is given. Heun takes 2K - 1
// network evaluations for K steps.
class EdmSampler : public Sampler {
 public:
  enum class Order { kEuler, kHeun };
  EdmSampler(NoiseSchedule schedule, SamplerOptions options, Order order);
  std::string name() const override { return order_ == Order::kEuler ? "euler" : "heun"; }
  Spacing default_spacing() const override { return Spacing::kKarras; }

 protected:
  std::vector<int64_t> plan_evaluations(const std::vector<int64_t>& steps) override;
  SamplerStep take_step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                        SampleNoise& noise) override;

 private:
  double sigma_at(int64_t k) const;  // sigma_k of the steps, 0 at k = K
  // From x (variance-exploding, at sigma_k) to what the network sees at the
  // start of step k: churned to sigma_hat_k and scaled back to x_t.
  torch::Tensor to_step_input(int64_t k, const torch::Tensor& x, SampleNoise& noise) const;

  Order order_;
  std::vector<int64_t> churned_;  // t_hat_k: the timestep of sigma_hat_k
  torch::Tensor x_hat_, d_;       // Heun: x_hat and d of the step being corrected
};

}  // namespace diffuse
