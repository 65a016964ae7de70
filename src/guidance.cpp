#include "diffuse/guidance.h"

#include <cmath>
#include <sstream>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

void check_guidance_scale(double scale) {
  std::ostringstream value;
  value << scale;
  check(std::isfinite(scale) && scale >= 0.0,
        "the guidance scale must be >= 0 (0 unconditional, 1 conditional, > 1 stronger), got " + value.str());
}

GuidedDenoiser::GuidedDenoiser(const Denoiser& base, double scale)
    : Denoiser(base), unclipped_(base.with_clip_x0(false)), scale_(scale) {
  check_guidance_scale(scale);
  check(network().num_classes() > 0, "guidance needs a class-conditional model (train with --conditional)");
}

EpsilonAndX0 GuidedDenoiser::predict(const torch::Tensor& x_t, const torch::Tensor& t,
                                     const Conditioning& conditioning) const {
  if (!conditioning.class_labels.defined() || scale_ == 1.0) return Denoiser::predict(x_t, t, conditioning);
  const torch::Tensor null_labels = torch::full_like(conditioning.class_labels, network().num_classes());
  if (scale_ == 0.0) {
    Conditioning unconditional = conditioning;
    unconditional.class_labels = null_labels;
    return Denoiser::predict(x_t, t, unconditional);
  }
  // One evaluation of the doubled batch: conditional rows first, unconditional after.
  const int64_t n = x_t.size(0);
  Conditioning both;
  both.class_labels = torch::cat({conditioning.class_labels, null_labels});
  if (conditioning.mask.defined()) both.mask = torch::cat({conditioning.mask, conditioning.mask});
  const EpsilonAndX0 raw = unclipped_.predict(torch::cat({x_t, x_t}), torch::cat({t, t}), both);
  const torch::Tensor eps_cond = raw.eps.slice(0, 0, n), eps_uncond = raw.eps.slice(0, n, 2 * n);
  EpsilonAndX0 guided;
  guided.eps = eps_uncond + scale_ * (eps_cond - eps_uncond);  // Ho & Salimans eq. (6) with S = 1 + w
  const torch::Tensor a = schedule().sqrt_alpha_bar(t, x_t);
  const torch::Tensor s = schedule().sqrt_one_minus_alpha_bar(t, x_t);
  guided.x0 = x0_from_eps(x_t, guided.eps, a, s);
  if (clip_x0()) {
    guided.x0 = guided.x0.clamp(-1.0, 1.0);
    guided.eps = eps_from_x0(x_t, guided.x0, a, s);
  }
  return guided;
}

}  // namespace diffuse
