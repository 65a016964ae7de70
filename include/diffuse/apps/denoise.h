#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/conditioning.h"
#include "diffuse/denoiser.h"

namespace diffuse {

// How a trained diffusion model removes Gaussian noise of a known level from
// an image y = x0 + sigma n. All start from x_t* = sqrt(alpha_bar_t*) y, the
// forward process at the matching timestep (apps/noise_level.h):
enum class DenoiseMethod {
  kPosterior,  // one evaluation: x0_hat(x_t*, t*) = E[x0 | x_t*] for a perfect model (Tweedie's
               // formula), the minimum-MSE estimate: the best PSNR, a little soft at high noise
  kDdim,       // the deterministic reverse process (DDIM, Song et al. eq. 12 with eta = 0) from t*
               // to 0: one sharp, plausible image
  kDdpm,       // the stochastic reverse process (Ho et al. Algorithm 2) from t* to 0: a sample of
               // p(x0 | y); the mean of K samples tends to the posterior mean
};

std::string to_string(DenoiseMethod method);
DenoiseMethod denoise_method_from_string(const std::string& name);
std::vector<std::string> denoise_method_names();

struct DenoiseOptions {
  double sigma = 0.0;  // noise std in the data scale (data_sigma_from_pixels); 0: return the input
  DenoiseMethod method = DenoiseMethod::kPosterior;
  int64_t steps = 20;   // ddim, ddpm: reverse steps from t* (capped at t* + 1)
  int64_t samples = 1;  // ddpm: average this many samples
  uint64_t seed = 0;    // ddpm
  // Called after every network evaluation with (evaluations done, total).
  Conditioning conditioning;  // of each image (class labels of a conditional model), or empty
  std::function<void(int64_t, int64_t)> on_evaluation;
};

// The number of network evaluations denoise() will make for one batch.
int64_t denoise_evaluations(const NoiseSchedule& schedule, const DenoiseOptions& options);

// Denoises a batch [N, ...sample shape] (images of any size with a
// TiledDenoiser). For image models (the denoiser clips x0) the result is
// clamped to the data range [-1, 1]. Throws Error for an impossible sigma.
torch::Tensor denoise(const Denoiser& denoiser, const torch::Tensor& noisy, const DenoiseOptions& options);

}  // namespace diffuse
