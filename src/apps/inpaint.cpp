#include "diffuse/apps/inpaint.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <torch/torch.h>

#include "diffuse/noise.h"
#include "diffuse/sampling/ddpm.h"
#include "diffuse/sampling/known_region.h"
#include "diffuse/sampling/spacing.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// A stream of its own, apart from any noise an input was made with.
constexpr uint64_t kRepaintStream = 0xBF58476D1CE4E5B9ULL;
constexpr int64_t kMostResamplings = 1000;

void check_options(const InpaintOptions& options) {
  check(options.steps >= 1, "inpaint: the number of steps must be >= 1, got " + std::to_string(options.steps));
  check(options.jump_length >= 1, "inpaint: the jump length must be >= 1, got " + std::to_string(options.jump_length));
  check(options.resamplings >= 1 && options.resamplings <= kMostResamplings,
        "inpaint: the number of resamplings must be in [1, " + std::to_string(kMostResamplings) + "], got " +
            std::to_string(options.resamplings));
  check(std::isfinite(options.temperature) && options.temperature >= 0.0, "inpaint: the temperature must be >= 0");
  // Jumps start at t = 0, j, 2j, ... < K - j (repaint_levels): none when j >= K.
  check(options.resamplings == 1 || options.jump_length < options.steps,
        "inpaint: a jump of " + std::to_string(options.jump_length) + " with " + std::to_string(options.steps) +
            " steps leaves nowhere to jump back from, so " + std::to_string(options.resamplings) +
            " resamplings would do nothing: use a jump shorter than the steps (RePaint: 250 steps, jumps of 10) "
            "or --resample 1");
}

}  // namespace

std::vector<int64_t> repaint_levels(int64_t steps, int64_t jump_length, int64_t resamplings) {
  std::map<int64_t, int64_t> jumps_left;  // level -> jumps still to make from it
  for (int64_t t = 0; t < steps - jump_length; t += jump_length) jumps_left[t + 1] = resamplings - 1;
  std::vector<int64_t> levels{steps};
  int64_t level = steps;
  while (level > 1) {
    levels.push_back(--level);
    auto jump = jumps_left.find(level);
    if (jump != jumps_left.end() && jump->second > 0) {
      --jump->second;
      for (int64_t i = 0; i < jump_length; ++i) levels.push_back(++level);
    }
  }
  levels.push_back(0);
  return levels;
}

int64_t inpaint_evaluations(const InpaintOptions& options) {
  check_options(options);
  // Jump points t = 0, j, 2j, ... < K - j, each revisited r - 1 times over j steps.
  const int64_t k = options.steps, j = options.jump_length;
  const int64_t jump_points = k > j ? (k - j + j - 1) / j : 0;
  return k + jump_points * (options.resamplings - 1) * j;
}

torch::Tensor inpaint(const Denoiser& denoiser, const torch::Tensor& image, const torch::Tensor& known,
                      const InpaintOptions& options) {
  check_options(options);
  const NoiseSchedule& schedule = denoiser.schedule();
  check(options.steps <= schedule.num_timesteps(), "inpaint: cannot take " + std::to_string(options.steps) +
                                                       " steps with a " + std::to_string(schedule.num_timesteps()) +
                                                       "-step schedule");
  check(known.dim() == image.dim(), "inpaint: the mask must have as many dimensions as the image batch");
  const KnownRegion known_region(schedule, image, known);  // checks the mask
  const torch::Tensor keep = known.to(image.options()).expand_as(image);

  // The reverse moves are steps of the respaced ancestral sampler (Ho et al. eq. 11
  // with beta_tilde noise); level L (1..K) is the state before its step K - L.
  SamplerOptions sampler_options;
  sampler_options.temperature = options.temperature;
  sampler_options.spacing = Spacing::kLinspace;
  DdpmSampler sampler(schedule, sampler_options);
  sampler.set_timesteps(options.steps);
  std::vector<int64_t> kept = sampler.step_timesteps();  // descending
  std::reverse(kept.begin(), kept.end());
  const NoiseSchedule respaced = schedule.respaced(kept);

  torch::NoGradGuard no_grad;
  const EvalModeGuard eval_mode(denoiser.network());
  SampleNoise noise(options.seed, 0, image.size(0), kRepaintStream);
  torch::Tensor x = sampler.initial_sample(image.sizes().slice(1).vec(), noise).to(image.device());
  const std::vector<int64_t> levels = repaint_levels(options.steps, options.jump_length, options.resamplings);
  const int64_t total = inpaint_evaluations(options);
  int64_t done = 0;
  for (size_t i = 1; i < levels.size(); ++i) {
    const int64_t from = levels[i - 1], to = levels[i];
    if (to > from) {  // q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I), respaced beta (eq. 2 of Ho et al.)
      const double beta = respaced.beta(to - 1);
      x = std::sqrt(1.0 - beta) * x + std::sqrt(beta) * noise.normal_like(x);
      continue;
    }
    const auto index = static_cast<size_t>(options.steps - from);
    sampler.continue_at(index);
    const EpsilonAndX0 prediction = denoiser.predict(x, sampler.timesteps()[index], options.conditioning);
    x = sampler.step(prediction, index, x, noise).prev;
    x = known_region(index, sampler.state_timestep(index), x, noise);
    check(torch::isfinite(x).all().item<bool>(),
          "inpaint produced NaN or Inf at timestep " + std::to_string(sampler.timesteps()[index]));
    if (options.on_evaluation) options.on_evaluation(++done, total);
  }
  // Exactly the original where it is known (the last blend used image itself).
  return denoiser.clip_x0() ? torch::where(keep.eq(1), image, x.clamp(-1.0, 1.0)) : x;
}

}  // namespace diffuse
