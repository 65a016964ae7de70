#include "diffuse/apps/img2img.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <torch/torch.h>

#include "diffuse/noise.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// A stream of its own: a guide noised with the same seed (diffuse noise) must
// not be noised again with the very same noise.
constexpr uint64_t kEditStream = 0xD1B54A32D192ED03ULL;

}  // namespace

int64_t sdedit_timestep(const NoiseSchedule& schedule, double strength) {
  std::ostringstream value;
  value << strength;
  check(std::isfinite(strength) && strength >= 0.0 && strength <= 1.0,
        "img2img: the strength must lie in [0, 1], got " + value.str());
  if (strength == 0.0) return -1;
  const auto t0 = static_cast<int64_t>(std::llround(strength * static_cast<double>(schedule.num_timesteps()))) - 1;
  return std::max<int64_t>(t0, 0);
}

torch::Tensor img2img(const Denoiser& denoiser, Sampler& sampler, const torch::Tensor& guide,
                      const Img2ImgOptions& options) {
  check(options.steps >= 1, "img2img: the number of steps must be >= 1, got " + std::to_string(options.steps));
  const int64_t t0 = sdedit_timestep(denoiser.schedule(), options.strength);
  if (t0 < 0) return guide;
  sampler.set_timesteps(std::min(options.steps, t0 + 1), t0);
  check(sampler.step_timesteps().front() == t0,
        "img2img: the " + to_string(sampler.spacing()) + " spacing does not start at t0 = " + std::to_string(t0) +
            " with " + std::to_string(sampler.num_steps()) + " steps; use linspace, trailing or karras");
  SampleNoise noise(options.seed, 0, guide.size(0), kEditStream);
  // SDEdit Algorithm 1: x(t0) ~ N(x_guide, sigma^2(t0) I) in its VE form; here the same
  // point of the VP forward process, Ho et al. eq. (4).
  const double alpha_bar = denoiser.schedule().alpha_bar(t0);
  const torch::Tensor x_t0 = std::sqrt(alpha_bar) * guide +
                             std::sqrt(1.0 - alpha_bar) * noise.normal_like(guide);
  int64_t done = 0;
  const auto total = static_cast<int64_t>(sampler.timesteps().size());
  ReverseOptions reverse;
  reverse.conditioning = options.conditioning;
  reverse.observe = [&](size_t, const torch::Tensor&) {
    if (options.on_evaluation) options.on_evaluation(++done, total);
  };
  torch::Tensor result = reverse_process(denoiser, sampler, x_t0, noise, reverse);
  return denoiser.clip_x0() ? result.clamp(-1.0, 1.0) : result;
}

}  // namespace diffuse
