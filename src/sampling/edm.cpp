#include "diffuse/sampling/edm.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

EdmSampler::EdmSampler(NoiseSchedule schedule, SamplerOptions options, Order order)
    : Sampler(std::move(schedule), options), order_(order) {
  const ChurnOptions& churn = options_.churn;
  check(churn.s_churn >= 0.0, name() + ": S_churn must be >= 0");
  check(churn.s_noise >= 0.0, name() + ": S_noise must be >= 0");
  check(churn.s_tmin <= churn.s_tmax, name() + ": S_tmin must not exceed S_tmax");
}

std::vector<int64_t> EdmSampler::plan_evaluations(const std::vector<int64_t>& steps) {
  const auto num = static_cast<int64_t>(steps.size());
  const ChurnOptions& churn = options_.churn;
  churned_.clear();
  for (int64_t t : steps) {
    const double sigma = schedule_.sigma(t);
    // Karras et al. Algorithm 2, line 4. The first step is not churned: its state is
    // given (pure noise, or x at a chosen first timestep), so it is evaluated where it is.
    const bool in_range = !churned_.empty() && churn.s_tmin <= sigma && sigma <= churn.s_tmax;
    const double gamma = in_range ? std::min(churn.s_churn / static_cast<double>(num), std::sqrt(2.0) - 1.0) : 0.0;
    churned_.push_back(gamma > 0.0 ? std::max(t, nearest_timestep(schedule_, (1.0 + gamma) * sigma)) : t);
  }
  if (order_ == Order::kEuler) return churned_;
  std::vector<int64_t> evaluations;
  for (int64_t k = 0; k < num; ++k) {
    evaluations.push_back(churned_[static_cast<size_t>(k)]);
    if (k + 1 < num) evaluations.push_back(steps[static_cast<size_t>(k + 1)]);  // the corrector's
  }
  return evaluations;
}

double EdmSampler::sigma_at(int64_t k) const {
  return k < num_steps() ? schedule_.sigma(step_timesteps()[static_cast<size_t>(k)]) : 0.0;
}

torch::Tensor EdmSampler::to_step_input(int64_t k, const torch::Tensor& x, SampleNoise& noise) const {
  if (k == num_steps()) return x;  // the clean sample: alpha_bar = 1, both views agree
  const int64_t t_hat = churned_[static_cast<size_t>(k)];
  const double sigma = sigma_at(k), sigma_hat = schedule_.sigma(t_hat);
  torch::Tensor x_hat = x;
  const double added = options_.temperature * options_.churn.s_noise * std::sqrt(sigma_hat * sigma_hat - sigma * sigma);
  if (added > 0.0) x_hat = x + added * noise.normal_like(x);  // Algorithm 2, line 6
  return x_hat * std::sqrt(schedule_.alpha_bar(t_hat));
}

SamplerStep EdmSampler::take_step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                                  SampleNoise& noise) {
  const bool corrector = order_ == Order::kHeun && index % 2 == 1;
  const auto k = static_cast<int64_t>(order_ == Order::kHeun ? index / 2 : index);
  const double sigma_hat = schedule_.sigma(churned_[static_cast<size_t>(k)]);
  const double sigma_next = sigma_at(k + 1);
  if (corrector) {
    // Algorithm 2, lines 10-11: the trapezoidal rule with the slope at the Euler point.
    const torch::Tensor x_next = x_hat_ + (sigma_next - sigma_hat) * 0.5 * (d_ + prediction.eps);
    x_hat_ = d_ = torch::Tensor();
    return {to_step_input(k + 1, x_next, noise), prediction.x0};
  }
  // The last step lands on sigma = 0, where x_hat - sigma_hat d is D itself.
  if (k + 1 == num_steps()) return {prediction.x0, prediction.x0};
  // Algorithm 2, lines 7-8: x_hat in the variance-exploding view, d = (x_hat - D) / sigma_hat = eps_hat.
  const torch::Tensor x_hat = x_t / std::sqrt(schedule_.alpha_bar(churned_[static_cast<size_t>(k)]));
  const torch::Tensor x_next = x_hat + (sigma_next - sigma_hat) * prediction.eps;
  if (order_ == Order::kEuler) return {to_step_input(k + 1, x_next, noise), prediction.x0};
  // Heun: the network next sees the Euler point at sigma_{k+1}, unchurned.
  x_hat_ = x_hat;
  d_ = prediction.eps;
  return {x_next * std::sqrt(alpha_bar_at(k + 1)), prediction.x0};
}

}  // namespace diffuse
