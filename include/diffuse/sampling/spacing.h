#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "diffuse/schedule.h"

namespace diffuse {

// Which K of the T training timesteps a sampler visits. The first three are
// the spacings of Lin et al. 2024 ("Common diffusion noise schedules and
// sample steps are flawed", Table 2), 0-based:
enum class Spacing {
  kLinspace,  // round(linspace(0, T-1, K)): both ends (improved-diffusion's respacing)
  kLeading,   // i * (T / K), i < K: DDIM's "uniform" skip; never reaches T-1
  kTrailing,  // round(T - i T/K) - 1: starts at T-1, never reaches 0
  kKarras,    // Karras et al. 2022 eq. (5), rho = 7, between EDM's sigma_min = 0.002 and
              // sigma_max = 80 (or the schedule's own, where narrower; from a chosen first
              // timestep, its sigma), each sigma rounded to the nearest training sigma as
              // EDM does for discrete models
};

constexpr double kKarrasSigmaMin = 0.002;  // Karras et al. 2022, Table 1
constexpr double kKarrasSigmaMax = 80.0;

std::string to_string(Spacing spacing);
Spacing spacing_from_string(const std::string& name);
std::vector<std::string> spacing_names();

// The K timesteps of `spacing`, descending (the order the reverse process
// visits them). `first`: the noisiest timestep the reverse process may start
// from (-1: T - 1); a reverse process that starts from a partly noised
// image (SDEdit, denoising) spaces its K steps over [0, first] as if the
// schedule had first + 1 steps. Throws for K < 1 or K > first + 1.
std::vector<int64_t> spaced_timesteps(const NoiseSchedule& schedule, Spacing spacing, int64_t num_steps,
                                      int64_t first = -1);

// Karras et al. 2022 eq. (5): K noise levels from sigma_max down to sigma_min,
// (sigma_max^(1/rho) + i/(K-1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho.
std::vector<double> karras_sigmas(double sigma_min, double sigma_max, int64_t num_steps, double rho = 7.0);

// The training timestep, at most `last` (-1: any), whose sigma
// (NoiseSchedule::sigma) is nearest to `sigma` (EDM's round_sigma for
// discrete-time models).
int64_t nearest_timestep(const NoiseSchedule& schedule, double sigma, int64_t last = -1);

}  // namespace diffuse
