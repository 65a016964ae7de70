#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "diffuse/models/network.h"
#include "diffuse/prediction.h"
#include "diffuse/schedule.h"

namespace diffuse::testing {

// The exact noise predictor for data x0 ~ N(mu, s^2 I) in `dim` dimensions:
// with x_t = a x0 + sg eps, E[x0 | x_t] = mu + a s^2 / (a^2 s^2 + sg^2) (x_t - a mu)
// and E[eps | x_t] = (x_t - a E[x0 | x_t]) / sg. Driving a sampler with it
// isolates the sampler's own error from any learning error.
class GaussianOracle : public NoiseNetwork {
 public:
  // `output`: the parameterisation the oracle answers in (eps, x0 or v).
  GaussianOracle(NoiseSchedule schedule, int64_t dim, double mu, double s, Prediction output = Prediction::kEpsilon);
  // The same with samples of any shape, e.g. {1, 8, 8} for images whose
  // pixels are independent N(mu, s^2).
  GaussianOracle(NoiseSchedule schedule, std::vector<int64_t> shape, double mu, double s,
                 Prediction output = Prediction::kEpsilon);
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) override;
  std::vector<int64_t> sample_shape() const override { return shape_; }
  std::string describe() const override { return "Gaussian oracle"; }

 private:
  NoiseSchedule schedule_;
  std::vector<int64_t> shape_;
  double mu_, s_;
  Prediction output_;
};

// A class-conditional oracle: given class c, the data is N(means[c], s^2 I)
// in `dim` dimensions; under the null label (class means.size()) it is the
// equal-weight mixture of the classes, whose posterior mean is the
// classes' posterior means weighted by their responsibilities for x_t. So
// classifier-free guidance with S = 1 must sample N(means[c], s^2 I) and
// with S = 0 the mixture. Counts its evaluations.
class ClassGaussianOracle : public NoiseNetwork {
 public:
  ClassGaussianOracle(NoiseSchedule schedule, int64_t dim, std::vector<double> means, double s);
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) override;
  std::vector<int64_t> sample_shape() const override { return {dim_}; }
  int64_t num_classes() const override { return static_cast<int64_t>(means_.size()); }
  std::string describe() const override { return "class-conditional Gaussian oracle"; }
  int64_t evaluations = 0;
  int64_t rows_seen = 0;

 private:
  NoiseSchedule schedule_;
  int64_t dim_;
  std::vector<double> means_;
  double s_;
};

}  // namespace diffuse::testing
