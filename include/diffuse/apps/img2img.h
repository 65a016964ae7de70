#pragma once

#include <cstdint>
#include <functional>

#include <torch/types.h>

#include "diffuse/conditioning.h"
#include "diffuse/denoiser.h"
#include "diffuse/sampling/sampler.h"

namespace diffuse {

// SDEdit (Meng et al. 2022, "SDEdit: Guided image synthesis and editing with
// stochastic differential equations", Algorithm 1): noise a guide image (a
// sketch, a damaged photo, a picture from another domain) forward to
// t0 = strength * T and run the reverse process back to 0. The model replaces
// what the noise drowned with what it knows, keeping the coarse layout: a low
// strength stays faithful to the guide, a high one realistic (at 1 the guide
// is forgotten and this is plain sampling).
struct Img2ImgOptions {
  double strength = 0.5;  // t0 / T, in [0, 1]; 0 returns the guide unchanged
  int64_t steps = 50;     // reverse steps from t0 (capped at t0 + 1)
  uint64_t seed = 0;
  // Called after every network evaluation with (evaluations done, total).
  Conditioning conditioning;  // of each image (class labels of a conditional model), or empty
  std::function<void(int64_t, int64_t)> on_evaluation;
};

// The timestep the guide is noised to: round(strength T) - 1, at least 0.
// Throws Error for a strength outside [0, 1]; -1 for strength 0.
int64_t sdedit_timestep(const NoiseSchedule& schedule, double strength);

// guide: [N, ...sample shape] in the data scale. `sampler` is any reverse
// sampler; its timesteps are set here. The forward noise and the sampler's
// own noise come from one generator seeded with options.seed.
torch::Tensor img2img(const Denoiser& denoiser, Sampler& sampler, const torch::Tensor& guide,
                      const Img2ImgOptions& options);

}  // namespace diffuse
