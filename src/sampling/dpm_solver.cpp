#include "diffuse/sampling/dpm_solver.h"

#include <cmath>

#include <torch/torch.h>

namespace diffuse {

namespace {

// lambda = log(alpha / sigma) = log-SNR / 2 (Lu et al. 2022, sec. 2).
double half_log_snr(double alpha_bar) { return 0.5 * (std::log(alpha_bar) - std::log1p(-alpha_bar)); }

}  // namespace

DpmSolverSampler::DpmSolverSampler(NoiseSchedule schedule, SamplerOptions options, Noise noise)
    : Sampler(std::move(schedule), options), noise_(noise) {}

SamplerStep DpmSolverSampler::take_step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                                        SampleNoise& noise) {
  const auto k = static_cast<int64_t>(index);
  if (k == 0) previous_x0_ = torch::Tensor();
  if (k + 1 == num_steps()) {
    // The last step lands on sigma = 0: the first-order update is x0_hat itself.
    previous_x0_ = torch::Tensor();
    return {prediction.x0, prediction.x0};
  }
  const double a_bar = alpha_bar_at(k), a_bar_next = alpha_bar_at(k + 1);
  const double sigma = std::sqrt(1.0 - a_bar), sigma_next = std::sqrt(1.0 - a_bar_next);
  const double alpha_next = std::sqrt(a_bar_next);
  const double h = half_log_snr(a_bar_next) - half_log_snr(a_bar);

  // D0 + D1 / 2 in the notation above; first order without history.
  torch::Tensor d = prediction.x0;
  if (previous_x0_.defined()) {
    const double r = previous_h_ / h;
    d = (1.0 + 0.5 / r) * prediction.x0 - (0.5 / r) * previous_x0_;
  }
  torch::Tensor next;
  if (noise_ == Noise::kOde) {
    // Lu et al. Algorithm 2; -expm1(-h) = 1 - e^{-h} without cancellation for small h.
    next = (sigma_next / sigma) * x_t - alpha_next * std::expm1(-h) * d;
  } else {
    const double one_minus_e2h = -std::expm1(-2.0 * h);
    next = (sigma_next / sigma * std::exp(-h)) * x_t + alpha_next * one_minus_e2h * d;
    if (options_.temperature > 0.0) {
      next = next + options_.temperature * sigma_next * std::sqrt(one_minus_e2h) * noise.normal_like(x_t);
    }
  }
  previous_x0_ = prediction.x0;
  previous_h_ = h;
  return {next, prediction.x0};
}

}  // namespace diffuse
