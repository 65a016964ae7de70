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
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t) override;
  std::vector<int64_t> sample_shape() const override { return shape_; }
  std::string describe() const override { return "Gaussian oracle"; }

 private:
  NoiseSchedule schedule_;
  std::vector<int64_t> shape_;
  double mu_, s_;
  Prediction output_;
};

}  // namespace diffuse::testing
