#include "diffuse/apps/denoise.h"

#include <algorithm>

#include <torch/torch.h>

#include "diffuse/apps/noise_level.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// The sampling noise is a stream of its own: an image noised with the same
// seed (diffuse noise, the benchmark) must not meet its own noise again.
constexpr uint64_t kSamplingStream = 0x9E3779B97F4A7C15ULL;

const std::vector<std::pair<DenoiseMethod, std::string>>& method_names() {
  static const std::vector<std::pair<DenoiseMethod, std::string>> names{
      {DenoiseMethod::kPosterior, "posterior"}, {DenoiseMethod::kDdim, "ddim"}, {DenoiseMethod::kDdpm, "ddpm"}};
  return names;
}

int64_t reverse_steps(const NoiseMatch& match, const DenoiseOptions& options) {
  check(options.steps >= 1, "denoise: the number of steps must be >= 1, got " + std::to_string(options.steps));
  return std::min(options.steps, match.timestep + 1);
}

// One evaluation for the posterior, the reverse steps of every sample otherwise.
int64_t evaluations(const NoiseMatch& match, const DenoiseOptions& options) {
  return options.method == DenoiseMethod::kPosterior ? 1 : reverse_steps(match, options) * options.samples;
}

void check_options(const DenoiseOptions& options) {
  check(options.samples >= 1, "denoise: the number of samples must be >= 1, got " + std::to_string(options.samples));
  check(options.samples == 1 || options.method == DenoiseMethod::kDdpm,
        "denoise: averaging several samples applies to the ddpm method only (posterior and ddim are deterministic)");
}

}  // namespace

std::string to_string(DenoiseMethod method) {
  for (const auto& [value, name] : method_names()) {
    if (value == method) return name;
  }
  throw Error("unknown denoise method");
}

DenoiseMethod denoise_method_from_string(const std::string& name) {
  for (const auto& [value, known] : method_names()) {
    if (known == name) return value;
  }
  throw Error("unknown denoise method '" + name + "': expected posterior, ddim or ddpm");
}

std::vector<std::string> denoise_method_names() {
  std::vector<std::string> names;
  for (const auto& entry : method_names()) names.push_back(entry.second);
  return names;
}

int64_t denoise_evaluations(const NoiseSchedule& schedule, const DenoiseOptions& options) {
  check_options(options);
  if (options.sigma == 0.0) return 0;
  return evaluations(match_noise_level(schedule, options.sigma), options);
}

torch::Tensor denoise(const Denoiser& denoiser, const torch::Tensor& noisy, const DenoiseOptions& options) {
  check_options(options);
  if (options.sigma == 0.0) return noisy;
  const NoiseMatch match = match_noise_level(denoiser.schedule(), options.sigma);
  const torch::Tensor x_t = noisy * match.input_scale;  // y = x_t / sqrt(alpha_bar_t*)
  const int64_t total = evaluations(match, options);
  int64_t done = 0;
  const auto count = [&](size_t, const torch::Tensor&) {
    if (options.on_evaluation) options.on_evaluation(++done, total);
  };

  torch::Tensor clean;
  if (options.method == DenoiseMethod::kPosterior) {
    torch::NoGradGuard no_grad;
    const EvalModeGuard eval_mode(denoiser.network());
    clean = denoiser.predict(x_t, match.timestep, options.conditioning).x0;
    count(0, clean);
  } else {
    const bool ddim = options.method == DenoiseMethod::kDdim;
    SamplerOptions sampler_options;
    sampler_options.spacing = Spacing::kLinspace;  // both ends: the first step is t* itself
    std::unique_ptr<Sampler> sampler = make_sampler(ddim ? "ddim" : "ddpm", denoiser.schedule(), sampler_options);
    sampler->set_timesteps(reverse_steps(match, options), match.timestep);
    SampleNoise noise(options.seed, 0, noisy.size(0), kSamplingStream);
    ReverseOptions reverse;
    reverse.conditioning = options.conditioning;
    reverse.observe = count;
    clean = torch::zeros_like(noisy);
    for (int64_t k = 0; k < options.samples; ++k) clean += reverse_process(denoiser, *sampler, x_t, noise, reverse);
    clean /= static_cast<double>(options.samples);
  }
  return denoiser.clip_x0() ? clean.clamp(-1.0, 1.0) : clean;
}

}  // namespace diffuse
