#include "diffuse/training/learning_rate.h"

#include <algorithm>
#include <cmath>

namespace diffuse {

namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

double learning_rate_at(const TrainOptions& options, int64_t step) {
  const double base = options.learning_rate;
  if (step < options.warmup_steps) {
    return base * static_cast<double>(step + 1) / static_cast<double>(options.warmup_steps);
  }
  if (options.lr_schedule == LrSchedule::kConstant) return base;
  const int64_t decay_steps = options.steps - options.warmup_steps;
  if (decay_steps <= 0) return base;
  const double done = std::min(1.0, static_cast<double>(step - options.warmup_steps) / static_cast<double>(decay_steps));
  return base * 0.5 * (1.0 + std::cos(kPi * done));
}

}  // namespace diffuse
