#pragma once

#include <limits>
#include <memory>
#include <string>
#include <utility>

#include <torch/types.h>

#include "diffuse/denoiser.h"

namespace diffuse {

// Classifier-free guidance (Ho & Salimans 2022, eq. 6 written in eps):
//   eps = eps_uncond + S (eps_cond - eps_uncond)
// from one network trained on labels and, through label dropout, on the
// null label. S = 1 is the plain conditional model, S = 0 the unconditional
// one, S > 1 trades diversity for samples more typical of their class. Both
// branches run as one doubled batch per evaluation; x0 follows from the
// guided eps (and is clipped after guidance when the model clips), so every
// sampler runs guided unchanged. Samples without labels pass through.
//
// Guidance may be limited to an interval of noise levels (Kynkaanniemi et
// al. 2024, eq. 6): at high noise it pulls every sample of a class towards
// the same template (variety lost, FID up), at low noise it hardly changes
// the class; guided only where sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t)
// lies in (sigma_min, sigma_max], a sample keeps the variety of the plain
// conditional model and still gains class fidelity. Outside the interval the
// prediction is the conditional one (S = 1), a single undoubled evaluation.
struct GuidanceInterval {
  double sigma_min = 0.0;
  double sigma_max = std::numeric_limits<double>::infinity();

  bool everywhere() const { return sigma_min <= 0.0 && sigma_max == std::numeric_limits<double>::infinity(); }
  // "sigma in (0.3, 5]" (empty when everywhere).
  std::string describe() const;
};

// "LO,HI" with 0 <= LO < HI (HI may be "inf"); empty text: every step.
// Error naming the text otherwise.
GuidanceInterval parse_guidance_interval(const std::string& text);

// The guidance update may be split, per sample, into its part parallel to
// the conditional prediction of x0 and the part orthogonal to it (adaptive
// projected guidance, Sadat et al. 2024). In x0,
//   x0 = x0_cond + (S - 1) (d_orth + eta d_par),  d = x0_cond - x0_uncond,
// where d_par = (<d, x0_cond> / <x0_cond, x0_cond>) x0_cond. eta = 1 is
// classifier-free guidance exactly (the eps form above is the same map, as
// x0 is affine in eps). The paper finds the parallel part behind the
// oversaturation of strong guidance and removes it (eta = 0); on the MNIST
// hour it changes nothing measurable (BENCHMARKS.md). The paper's norm
// threshold and momentum are not implemented.
struct GuidanceShape {
  GuidanceInterval interval;  // where S applies (everywhere by default)
  double parallel = 1.0;      // eta, the weight of d_par (1: classifier-free guidance)
};

// Error naming --guidance-parallel unless eta is finite and >= 0.
void check_guidance_parallel(double eta);

// Autoguidance (Karras et al. 2024, "Guiding a diffusion model with a bad
// version of itself"): the weaker branch is not the null label but
// another model of the same data, less trained or smaller, asked the same
// (labels included): eps = eps_weak + S (eps - eps_weak). The two models'
// errors point the same way, the weaker's further, so S > 1 steers samples
// away from where the model is unsure without narrowing them towards a class
// template; it works for unconditional models too. Costs one evaluation of
// each model per step. The paper's guide is smaller and trained shorter; the
// same network at 36% of its training did not help on MNIST (BENCHMARKS.md).
class GuidedDenoiser : public Denoiser {
 public:
  // `base`: a network's own denoiser (its clipping is applied after guidance).
  // `guide`: the weaker model for autoguidance (null: classifier-free guidance).
  // Error for scale < 0, a parallel weight < 0, a network without classes
  // (classifier-free guidance), or a guide of another sample shape, class count or schedule.
  GuidedDenoiser(const Denoiser& base, double scale, GuidanceShape shape = {},
                 std::shared_ptr<const Denoiser> guide = nullptr);
  GuidedDenoiser(const Denoiser& base, double scale, GuidanceInterval interval)
      : GuidedDenoiser(base, scale, GuidanceShape{interval}) {}

  using Denoiser::predict;
  EpsilonAndX0 predict(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) const override;

  double scale() const { return scale_; }
  const GuidanceInterval& interval() const { return shape_.interval; }
  double parallel() const { return shape_.parallel; }
  bool autoguided() const { return guide_ != nullptr; }

 private:
  // Whether a batch with this conditioning is guided at all (labelled, or autoguided).
  bool guides(const Conditioning& conditioning) const;
  // The weaker branch's conditioning: the null label, or the same for autoguidance.
  Conditioning weak_conditioning(const Conditioning& conditioning) const;
  // Both branches, unclipped: one doubled batch, or one evaluation of each model.
  std::pair<EpsilonAndX0, EpsilonAndX0> both_branches(const torch::Tensor& x_t, const torch::Tensor& t,
                                                      const Conditioning& conditioning) const;
  // x0 guided with the update's parallel part weighted by eta (rows' scales in `scale`).
  torch::Tensor projected_x0(const torch::Tensor& x0_cond, const torch::Tensor& x0_uncond,
                             const torch::Tensor& scale) const;

  Denoiser unclipped_;
  double scale_;
  GuidanceShape shape_;
  std::shared_ptr<const Denoiser> guide_;  // unclipped; null for classifier-free guidance
};

// A check of a guidance scale for messages: finite and >= 0.
void check_guidance_scale(double scale);

}  // namespace diffuse
