#pragma once

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
class GuidedDenoiser : public Denoiser {
 public:
  // `base`: a network's own denoiser (its clipping is applied after guidance).
  // Error for a network without classes, or scale < 0.
  GuidedDenoiser(const Denoiser& base, double scale);

  using Denoiser::predict;
  EpsilonAndX0 predict(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) const override;

  double scale() const { return scale_; }

 private:
  Denoiser unclipped_;
  double scale_;
};

// A check of a guidance scale for messages: finite and >= 0.
void check_guidance_scale(double scale);

}  // namespace diffuse
