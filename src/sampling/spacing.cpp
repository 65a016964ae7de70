#include "diffuse/sampling/spacing.h"

#include <algorithm>
#include <cmath>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// numpy's round (half to even), which the reference definitions use.
int64_t round_half_even(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

// Rounding K noise levels to T discrete ones can merge neighbours when K is
// close to T; a repeated timestep would be a step of size zero, so each
// collision is pushed to the next free timestep (downwards from the top,
// which stays where it is).
std::vector<int64_t> make_distinct(std::vector<int64_t> descending) {
  const auto k = static_cast<int64_t>(descending.size());
  for (int64_t i = 1; i < k; ++i) {
    descending[i] = std::min(descending[i], descending[i - 1] - 1);
  }
  // Pushing down may run below 0 at the tail; lift the tail back up.
  for (int64_t i = k - 1; i >= 0; --i) {
    const int64_t floor = k - 1 - i;
    descending[i] = std::max(descending[i], floor);
  }
  return descending;
}

}  // namespace

std::string to_string(Spacing spacing) {
  switch (spacing) {
    case Spacing::kLinspace: return "linspace";
    case Spacing::kLeading: return "leading";
    case Spacing::kTrailing: return "trailing";
    case Spacing::kKarras: return "karras";
  }
  return "unknown";
}

Spacing spacing_from_string(const std::string& name) {
  for (Spacing spacing : {Spacing::kLinspace, Spacing::kLeading, Spacing::kTrailing, Spacing::kKarras}) {
    if (to_string(spacing) == name) return spacing;
  }
  throw Error("unknown timestep spacing '" + name + "': expected linspace, leading, trailing or karras");
}

std::vector<std::string> spacing_names() { return {"linspace", "leading", "trailing", "karras"}; }

std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int64_t num_steps, double rho) {
  check(num_steps >= 1, "karras sigmas: the number of steps must be >= 1");
  check(0.0 < sigma_min && sigma_min <= sigma_max, "karras sigmas: need 0 < sigma_min <= sigma_max");
  if (num_steps == 1) return {sigma_max};
  const double max_root = std::pow(sigma_max, 1.0 / rho);
  const double min_root = std::pow(sigma_min, 1.0 / rho);
  std::vector<double> sigmas;
  for (int64_t i = 0; i < num_steps; ++i) {
    const double fraction = static_cast<double>(i) / static_cast<double>(num_steps - 1);
    sigmas.push_back(std::pow(max_root + fraction * (min_root - max_root), rho));  // EDM eq. (5)
  }
  return sigmas;
}

int64_t nearest_timestep(const NoiseSchedule& schedule, double sigma, int64_t last) {
  const int64_t end = last < 0 ? schedule.num_timesteps() : std::min(last + 1, schedule.num_timesteps());
  int64_t best = 0;
  for (int64_t t = 1; t < end; ++t) {
    if (std::abs(schedule.sigma(t) - sigma) < std::abs(schedule.sigma(best) - sigma)) best = t;
  }
  return best;
}

std::vector<int64_t> spaced_timesteps(const NoiseSchedule& schedule, Spacing spacing, int64_t num_steps,
                                      int64_t first) {
  check(first >= -1 && first < schedule.num_timesteps(),
        "sampling: the first timestep " + std::to_string(first) + " is outside [0, " +
            std::to_string(schedule.num_timesteps() - 1) + "]");
  const int64_t total = first < 0 ? schedule.num_timesteps() : first + 1;  // the timesteps available
  check(num_steps >= 1, "sampling: the number of steps must be >= 1, got " + std::to_string(num_steps));
  check(num_steps <= total, "sampling: cannot take " + std::to_string(num_steps) + " steps with a " +
                                std::to_string(total) + "-step schedule" +
                                (first < 0 ? "" : " (starting from timestep " + std::to_string(first) + ")"));
  const auto k = static_cast<double>(num_steps);
  std::vector<int64_t> timesteps;  // built top-down: j = 0 is the noisiest
  if (spacing == Spacing::kKarras) {
    // EDM's range (Karras et al. Table 1) within the schedule's: the clipped last betas of
    // the cosine and sigmoid laws reach sigma ~ 1e4, which would put most steps up there.
    // A chosen first timestep is where the given state is, so the range starts there.
    const double sigma_max = first < 0 ? std::min(schedule.sigma(total - 1), kKarrasSigmaMax) : schedule.sigma(first);
    const double sigma_min = std::min(std::max(schedule.sigma(0), kKarrasSigmaMin), sigma_max);
    for (double sigma : karras_sigmas(sigma_min, sigma_max, num_steps)) {
      timesteps.push_back(nearest_timestep(schedule, sigma, total - 1));
    }
    return make_distinct(std::move(timesteps));
  }
  for (int64_t j = 0; j < num_steps; ++j) {
    const int64_t i = num_steps - 1 - j;  // position counted from the clean end
    switch (spacing) {
      case Spacing::kLinspace:  // np.linspace(0, T-1, K).round()
        timesteps.push_back(num_steps == 1 ? total - 1 : round_half_even(static_cast<double>(i * (total - 1)) / (k - 1)));
        break;
      case Spacing::kLeading:  // np.arange(0, K) * (T // K)
        timesteps.push_back(i * (total / num_steps));
        break;
      case Spacing::kTrailing:  // np.round(np.arange(T, 0, -T / K)) - 1
        timesteps.push_back(round_half_even(static_cast<double>(total) - static_cast<double>(j) * total / k) - 1);
        break;
      case Spacing::kKarras: break;
    }
  }
  return timesteps;
}

}  // namespace diffuse
