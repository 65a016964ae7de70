#include "diffuse/apps/inpaint.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <torch/torch.h>

#include "diffuse/device.h"
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
  for (int64_t d = 0; d < image.dim(); ++d) {
    check(known.size(d) == 1 || known.size(d) == image.size(d),
          "inpaint: the mask's shape " + c10::str(known.sizes()) + " does not fit the image's " + c10::str(image.sizes()));
  }
  const torch::Tensor keep = known.to(image.options()).expand_as(image);
  check(keep.ge(0).logical_and(keep.le(1)).all().item<bool>(), "inpaint: mask values must lie in [0, 1]");

  // Level L (1..K) is the state at timestep kept[L - 1] (ascending), which is
  // index L - 1 of the respaced schedule; level 0 is the clean image.
  std::vector<int64_t> kept = spaced_timesteps(schedule, Spacing::kLinspace, options.steps);
  std::reverse(kept.begin(), kept.end());
  const NoiseSchedule respaced = schedule.respaced(kept);

  torch::NoGradGuard no_grad;
  const EvalModeGuard eval_mode(denoiser.network());
  torch::Generator generator = at::detail::createCPUGenerator(options.seed ^ kRepaintStream);
  const auto noise = [&] { return gaussian_noise(image.sizes(), generator, image.options()); };  // drawn on the CPU
  const double tau = options.temperature;
  torch::Tensor x = noise() * tau;
  const std::vector<int64_t> levels = repaint_levels(options.steps, options.jump_length, options.resamplings);
  const int64_t total = inpaint_evaluations(options);
  int64_t done = 0;
  for (size_t i = 1; i < levels.size(); ++i) {
    const int64_t from = levels[i - 1], to = levels[i];
    if (to > from) {  // q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I), respaced beta (eq. 2 of Ho et al.)
      const double beta = respaced.beta(to - 1);
      x = std::sqrt(1.0 - beta) * x + std::sqrt(beta) * noise();
      continue;
    }
    const int64_t index = from - 1;
    const EpsilonAndX0 prediction = denoiser.predict(x, kept[static_cast<size_t>(index)]);
    // Unknown pixels: the model's reverse step, the posterior mean of Ho et al. eq. (7) with x0_hat plus beta_tilde noise.
    torch::Tensor unknown = respaced.posterior_mean_coef_x0(index) * prediction.x0 +
                            respaced.posterior_mean_coef_xt(index) * x;
    if (to > 0) unknown += std::sqrt(respaced.posterior_variance(index)) * tau * noise();
    // Known pixels: the original, noised to the new level (RePaint eq. 8).
    torch::Tensor known_part = image;
    if (to > 0) {
      const double alpha_bar = respaced.alpha_bar(to - 1);
      known_part = std::sqrt(alpha_bar) * image + std::sqrt(1.0 - alpha_bar) * noise();
    }
    x = keep * known_part + (1.0 - keep) * unknown;  // RePaint eq. (9)
    check(torch::isfinite(x).all().item<bool>(),
          "inpaint produced NaN or Inf at timestep " + std::to_string(kept[static_cast<size_t>(index)]));
    if (options.on_evaluation) options.on_evaluation(++done, total);
  }
  // Exactly the original where it is known (the last blend used image itself).
  return denoiser.clip_x0() ? torch::where(keep.eq(1), image, x.clamp(-1.0, 1.0)) : x;
}

}  // namespace diffuse
