#include "diffuse/denoiser.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

Denoiser::Denoiser(NetworkPtr network, NoiseSchedule schedule, Prediction prediction, bool clip_x0, Precision precision)
    : network_(std::move(network)),
      schedule_(std::move(schedule)),
      prediction_(prediction),
      clip_x0_(clip_x0),
      precision_(precision) {
  check(network_ != nullptr, "denoiser: no network");
}

EpsilonAndX0 Denoiser::predict(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) const {
  torch::Tensor output;
  {
    const AutocastGuard autocast(precision_, x_t.device());
    output = network_->forward(x_t, t, conditioning);
  }
  if (output.scalar_type() != x_t.scalar_type()) {
    output = output.to(x_t.scalar_type());  // bfloat16 from autocast: the sampler's arithmetic stays in x_t's precision
  }
  const torch::Tensor a = schedule_.sqrt_alpha_bar(t, x_t);
  const torch::Tensor s = schedule_.sqrt_one_minus_alpha_bar(t, x_t);
  EpsilonAndX0 result = interpret_output(prediction_, output, x_t, a, s);
  if (clip_x0_) {
    result.x0 = result.x0.clamp(-1.0, 1.0);
    result.eps = eps_from_x0(x_t, result.x0, a, s);
  }
  return result;
}

EpsilonAndX0 Denoiser::predict(const torch::Tensor& x_t, int64_t t, const Conditioning& conditioning) const {
  return predict(x_t, torch::full({x_t.size(0)}, t, torch::TensorOptions().dtype(torch::kLong).device(x_t.device())),
                 conditioning);
}

Denoiser Denoiser::with_clip_x0(bool clip_x0) const {
  return Denoiser(network_, schedule_, prediction_, clip_x0, precision_);
}

}  // namespace diffuse
