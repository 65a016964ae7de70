#include "sampling/gaussian_oracle.h"

#include <torch/torch.h>

namespace diffuse::testing {

GaussianOracle::GaussianOracle(NoiseSchedule schedule, int64_t dim, double mu, double s, Prediction output)
    : GaussianOracle(std::move(schedule), std::vector<int64_t>{dim}, mu, s, output) {}

GaussianOracle::GaussianOracle(NoiseSchedule schedule, std::vector<int64_t> shape, double mu, double s,
                               Prediction output)
    : schedule_(std::move(schedule)), shape_(std::move(shape)), mu_(mu), s_(s), output_(output) {}

torch::Tensor GaussianOracle::forward(const torch::Tensor& x_t, const torch::Tensor& t) {
  const torch::Tensor a = schedule_.sqrt_alpha_bar(t, x_t);
  const torch::Tensor sg = schedule_.sqrt_one_minus_alpha_bar(t, x_t);
  const double s2 = s_ * s_;
  const torch::Tensor x0 = mu_ + a * s2 / (a * a * s2 + sg * sg) * (x_t - a * mu_);
  const torch::Tensor eps = (x_t - a * x0) / sg;
  return training_target(output_, x0, eps, a, sg);
}

}  // namespace diffuse::testing
