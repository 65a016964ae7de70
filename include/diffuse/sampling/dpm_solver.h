#pragma once

#include "diffuse/sampling/sampler.h"

namespace diffuse {

// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2): a
// second-order multistep solver of the probability-flow ODE written for the
// data prediction x0_hat, stepping in lambda = log(alpha / sigma) (half the
// log-SNR; alpha = sqrt(alpha_bar), sigma = sqrt(1 - alpha_bar)):
//   x_next = (sigma_next / sigma) x - alpha_next (e^{-h} - 1) D,   h = lambda_next - lambda,
//   D = (1 + 1/(2r)) x0_hat_k - 1/(2r) x0_hat_{k-1},              r = h_prev / h,
// first order (D = x0_hat_k) at the first step, which has no history, and at
// the last, which lands on the clean sample (lambda = inf, x_next = x0_hat).
// The SDE variant (sec. 5 of the paper; the "sde-dpmsolver++" of diffusers,
// midpoint form) integrates the reverse SDE instead:
//   x_next = (sigma_next / sigma) e^{-h} x + alpha_next (1 - e^{-2h}) (D0 + D1 / 2)
//            + tau sigma_next sqrt(1 - e^{-2h}) z,   D0 = x0_hat_k, D1 = (x0_hat_k - x0_hat_{k-1}) / r.
class DpmSolverSampler : public Sampler {
 public:
  enum class Noise { kOde, kSde };
  DpmSolverSampler(NoiseSchedule schedule, SamplerOptions options, Noise noise);
  std::string name() const override { return noise_ == Noise::kOde ? "dpm++2m" : "dpm++2m-sde"; }
  // "DPM++ 2M Karras": on a toy 2-D model, 10x closer to the data than linspace at
  // 5 and 10 steps (BENCHMARKS.md), where the last linspace step, from t = T/K to
  // t = 0, is too long for the second-order extrapolation of x0.
  Spacing default_spacing() const override { return Spacing::kKarras; }

 protected:
  SamplerStep take_step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                        SampleNoise& noise) override;

 private:
  Noise noise_;
  torch::Tensor previous_x0_;  // x0_hat of the previous step (the multistep history)
  double previous_h_ = 0.0;
};

}  // namespace diffuse
