#include "sampling/gaussian_oracle.h"

#include <torch/torch.h>

namespace diffuse::testing {

GaussianOracle::GaussianOracle(NoiseSchedule schedule, int64_t dim, double mu, double s, Prediction output)
    : GaussianOracle(std::move(schedule), std::vector<int64_t>{dim}, mu, s, output) {}

GaussianOracle::GaussianOracle(NoiseSchedule schedule, std::vector<int64_t> shape, double mu, double s,
                               Prediction output)
    : schedule_(std::move(schedule)), shape_(std::move(shape)), mu_(mu), s_(s), output_(output) {}

torch::Tensor GaussianOracle::forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning&) {
  const torch::Tensor a = schedule_.sqrt_alpha_bar(t, x_t);
  const torch::Tensor sg = schedule_.sqrt_one_minus_alpha_bar(t, x_t);
  const double s2 = s_ * s_;
  const torch::Tensor x0 = mu_ + a * s2 / (a * a * s2 + sg * sg) * (x_t - a * mu_);
  const torch::Tensor eps = (x_t - a * x0) / sg;
  return training_target(output_, x0, eps, a, sg);
}

ClassGaussianOracle::ClassGaussianOracle(NoiseSchedule schedule, int64_t dim, std::vector<double> means, double s)
    : schedule_(std::move(schedule)), dim_(dim), means_(std::move(means)), s_(s) {}

torch::Tensor ClassGaussianOracle::forward(const torch::Tensor& x_t, const torch::Tensor& t,
                                           const Conditioning& conditioning) {
  ++evaluations;
  rows_seen += x_t.size(0);
  const torch::Tensor a = schedule_.sqrt_alpha_bar(t, x_t);  // [N, 1]
  const torch::Tensor sg = schedule_.sqrt_one_minus_alpha_bar(t, x_t);
  const double s2 = s_ * s_;
  const auto classes = static_cast<int64_t>(means_.size());
  // Per class: the posterior mean of x0 and the log-likelihood of x_t ~ N(a mu_c, (a^2 s^2 + sg^2) I).
  std::vector<torch::Tensor> posterior, log_likelihood;
  const torch::Tensor variance = a * a * s2 + sg * sg;
  for (double mu : means_) {
    posterior.push_back(mu + a * s2 / variance * (x_t - a * mu));
    log_likelihood.push_back(-(x_t - a * mu).square().sum(1) / (2.0 * variance.squeeze(1)));
  }
  const torch::Tensor responsibility = torch::softmax(torch::stack(log_likelihood, 1), 1);  // [N, K]
  torch::Tensor mixture = torch::zeros_like(x_t);
  for (int64_t c = 0; c < classes; ++c) mixture += responsibility.select(1, c).unsqueeze(1) * posterior[static_cast<size_t>(c)];
  torch::Tensor x0 = mixture;
  if (conditioning.class_labels.defined()) {
    const torch::Tensor labels = conditioning.class_labels;
    for (int64_t c = 0; c < classes; ++c) {
      x0 = torch::where(labels.eq(c).unsqueeze(1), posterior[static_cast<size_t>(c)], x0);
    }
  }
  return (x_t - a * x0) / sg;  // eps
}

}  // namespace diffuse::testing
