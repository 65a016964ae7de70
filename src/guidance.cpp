#include "diffuse/guidance.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

void check_guidance_scale(double scale) {
  std::ostringstream value;
  value << scale;
  check(std::isfinite(scale) && scale >= 0.0,
        "the guidance scale must be >= 0 (0 unconditional, 1 conditional, > 1 stronger), got " + value.str());
}

std::string GuidanceInterval::describe() const {
  if (everywhere()) return "";
  std::ostringstream text;
  text << "sigma in (" << sigma_min << ", " << sigma_max << "]";
  return text.str();
}

GuidanceInterval parse_guidance_interval(const std::string& text) {
  if (text.empty()) return {};
  const std::string usage = "--guidance-interval '" + text + "': expected LO,HI, the noise levels sigma between which "
                            "guidance applies, with 0 <= LO < HI (HI may be inf), e.g. 0.3,5";
  check(text.find_first_of(" \t\n") == std::string::npos, usage);
  const size_t comma = text.find(',');
  check(comma != std::string::npos && text.find(',', comma + 1) == std::string::npos, usage);
  GuidanceInterval interval;
  try {
    size_t used_lo = 0, used_hi = 0;
    const std::string lo = text.substr(0, comma), hi = text.substr(comma + 1);
    interval.sigma_min = std::stod(lo, &used_lo);
    interval.sigma_max = std::stod(hi, &used_hi);
    check(used_lo == lo.size() && used_hi == hi.size(), usage);
  } catch (const std::logic_error&) {  // stod: not a number, or out of range
    throw Error(usage);
  }
  check(!std::isnan(interval.sigma_min) && !std::isnan(interval.sigma_max) && interval.sigma_min >= 0.0 &&
            std::isfinite(interval.sigma_min) && interval.sigma_max > interval.sigma_min,
        usage);
  return interval;
}

void check_guidance_parallel(double eta) {
  std::ostringstream value;
  value << eta;
  check(std::isfinite(eta) && eta >= 0.0,
        "--guidance-parallel must be >= 0 (1 classifier-free guidance, 0 only the part orthogonal to the "
        "conditional x0), got " + value.str());
}

namespace {

bool same_schedule(const NoiseSchedule& a, const NoiseSchedule& b) {
  if (a.num_timesteps() != b.num_timesteps()) return false;
  for (int64_t t = 0; t < a.num_timesteps(); ++t) {
    if (std::abs(a.alpha_bar(t) - b.alpha_bar(t)) > 1e-12) return false;
  }
  return true;
}

}  // namespace

GuidedDenoiser::GuidedDenoiser(const Denoiser& base, double scale, GuidanceShape shape,
                               std::shared_ptr<const Denoiser> guide)
    : Denoiser(base), unclipped_(base.with_clip_x0(false)), scale_(scale), shape_(shape) {
  check_guidance_scale(scale);
  check_guidance_parallel(shape.parallel);
  check(shape.interval.sigma_min >= 0.0 && shape.interval.sigma_max > shape.interval.sigma_min,
        "the guidance interval needs 0 <= sigma_min < sigma_max");
  if (!guide) {
    check(network().num_classes() > 0, "guidance needs a class-conditional model (train with --conditional)");
    return;
  }
  check(guide->network().sample_shape() == network().sample_shape(),
        "the guiding model makes samples of another shape than the model it guides");
  check(guide->network().num_classes() == network().num_classes(),
        "the guiding model is conditioned on " + std::to_string(guide->network().num_classes()) +
            " classes, the model it guides on " + std::to_string(network().num_classes()) +
            ": both must be trained on the same labels");
  check(same_schedule(guide->schedule(), schedule()),
        "the guiding model was trained with another noise schedule than the model it guides");
  guide_ = std::make_shared<const Denoiser>(guide->with_clip_x0(false));
}

bool GuidedDenoiser::guides(const Conditioning& conditioning) const {
  return scale_ != 1.0 && (guide_ || conditioning.class_labels.defined());
}

Conditioning GuidedDenoiser::weak_conditioning(const Conditioning& conditioning) const {
  if (guide_) return conditioning;  // autoguidance: the same labels, asked of the weaker model
  Conditioning unconditional = conditioning;
  unconditional.class_labels = torch::full_like(conditioning.class_labels, network().num_classes());
  return unconditional;
}

std::pair<EpsilonAndX0, EpsilonAndX0> GuidedDenoiser::both_branches(const torch::Tensor& x_t, const torch::Tensor& t,
                                                                    const Conditioning& conditioning) const {
  const Conditioning weak = weak_conditioning(conditioning);
  if (guide_) return {unclipped_.predict(x_t, t, conditioning), guide_->predict(x_t, t, weak)};
  // One evaluation of the doubled batch: conditional rows first, unconditional after.
  const int64_t n = x_t.size(0);
  Conditioning both;
  both.class_labels = torch::cat({conditioning.class_labels, weak.class_labels});
  if (conditioning.mask.defined()) both.mask = torch::cat({conditioning.mask, conditioning.mask});
  const EpsilonAndX0 raw = unclipped_.predict(torch::cat({x_t, x_t}), torch::cat({t, t}), both);
  return {{raw.eps.slice(0, 0, n), raw.x0.slice(0, 0, n)}, {raw.eps.slice(0, n, 2 * n), raw.x0.slice(0, n, 2 * n)}};
}

EpsilonAndX0 GuidedDenoiser::predict(const torch::Tensor& x_t, const torch::Tensor& t,
                                     const Conditioning& conditioning) const {
  if (!guides(conditioning)) return Denoiser::predict(x_t, t, conditioning);
  const torch::Tensor a = schedule().sqrt_alpha_bar(t, x_t);
  const torch::Tensor s = schedule().sqrt_one_minus_alpha_bar(t, x_t);
  // Per row: the guidance scale inside the interval, 1 (the conditional
  // model) outside; decided in float64 from the schedule, so the ends are exact.
  const int64_t n = x_t.size(0);
  torch::Tensor row_scale;
  if (!shape_.interval.everywhere()) {
    const torch::Tensor steps = t.to(torch::kCPU).to(torch::kLong).contiguous().view({n});
    const auto step = steps.accessor<int64_t, 1>();
    std::vector<double> scales(static_cast<size_t>(n), 1.0);
    bool any_inside = false;
    for (int64_t i = 0; i < n; ++i) {
      const double sigma = schedule().sigma(step[i]);
      if (sigma > shape_.interval.sigma_min && sigma <= shape_.interval.sigma_max) {
        scales[static_cast<size_t>(i)] = scale_;
        any_inside = true;
      }
    }
    if (!any_inside) return Denoiser::predict(x_t, t, conditioning);
    std::vector<int64_t> shape(static_cast<size_t>(x_t.dim()), 1);
    shape[0] = n;
    row_scale = torch::tensor(scales, torch::kFloat64).to(x_t.options()).view(shape);
  }
  if (scale_ == 0.0 && !row_scale.defined() && shape_.parallel == 1.0) {
    // The weaker branch alone, clipped as this model clips.
    if (guide_) return guide_->with_clip_x0(clip_x0()).predict(x_t, t, conditioning);
    return Denoiser::predict(x_t, t, weak_conditioning(conditioning));
  }
  const auto [cond, weak] = both_branches(x_t, t, conditioning);
  EpsilonAndX0 guided;
  if (shape_.parallel != 1.0) {
    const torch::Tensor scale = row_scale.defined() ? row_scale : torch::scalar_tensor(scale_, torch::kFloat64);
    guided.x0 = projected_x0(cond.x0, weak.x0, scale);
    guided.eps = eps_from_x0(x_t, guided.x0, a, s);
  } else {
    // Ho & Salimans eq. (6) with S = 1 + w; autoguidance (Karras et al. 2024) the same with the weaker model's eps.
    guided.eps = row_scale.defined() ? weak.eps + row_scale * (cond.eps - weak.eps) : weak.eps + scale_ * (cond.eps - weak.eps);
    guided.x0 = x0_from_eps(x_t, guided.eps, a, s);
  }
  if (clip_x0()) {
    guided.x0 = guided.x0.clamp(-1.0, 1.0);
    guided.eps = eps_from_x0(x_t, guided.x0, a, s);
  }
  return guided;
}

torch::Tensor GuidedDenoiser::projected_x0(const torch::Tensor& x0_cond, const torch::Tensor& x0_uncond,
                                          const torch::Tensor& scale) const {
  // Sadat et al. 2024, per sample; the sums over a whole sample in float64.
  const torch::Tensor c = x0_cond.to(torch::kFloat64);
  const torch::Tensor d = c - x0_uncond.to(torch::kFloat64);
  const int64_t n = c.size(0);
  std::vector<int64_t> row_shape(static_cast<size_t>(c.dim()), 1);
  row_shape[0] = n;
  const torch::Tensor flat_c = c.reshape({n, -1}), flat_d = d.reshape({n, -1});
  // A zero x0_cond has no direction: its d is all orthogonal (d_par = 0).
  const torch::Tensor squared_norm = (flat_c * flat_c).sum(1).clamp_min(1e-300);
  const torch::Tensor parallel = ((flat_d * flat_c).sum(1) / squared_norm).view(row_shape) * c;
  const torch::Tensor update = d - parallel + shape_.parallel * parallel;
  return (c + (scale.to(torch::kFloat64) - 1.0) * update).to(x0_cond.scalar_type());
}

}  // namespace diffuse
