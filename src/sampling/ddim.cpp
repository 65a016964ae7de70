#include "diffuse/sampling/ddim.h"

#include <cmath>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

DdimSampler::DdimSampler(NoiseSchedule schedule, SamplerOptions options) : Sampler(std::move(schedule), options) {
  check(options_.eta >= 0.0 && options_.eta <= 1.0, "ddim: eta must be in [0, 1], got " + std::to_string(options_.eta));
}

SamplerStep DdimSampler::take_step(const EpsilonAndX0& prediction, size_t index, const torch::Tensor& x_t,
                                   SampleNoise& noise) {
  const auto k = static_cast<int64_t>(index);
  const double a_t = alpha_bar_at(k);
  const double a_prev = alpha_bar_at(k + 1);
  // Song et al. eq. (16), scaled by eta.
  const double sigma = options_.eta * std::sqrt((1.0 - a_prev) / (1.0 - a_t)) * std::sqrt(1.0 - a_t / a_prev);
  // Song et al. eq. (12): "predicted x0", "direction pointing to x_t", random noise.
  torch::Tensor prev = std::sqrt(a_prev) * prediction.x0 +
                       std::sqrt(std::max(1.0 - a_prev - sigma * sigma, 0.0)) * prediction.eps;
  if (sigma > 0.0 && options_.temperature > 0.0) {
    prev = prev + options_.temperature * sigma * noise.normal_like(x_t);
  }
  return {prev, prediction.x0};
}

}  // namespace diffuse
