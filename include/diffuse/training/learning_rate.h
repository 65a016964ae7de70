#pragma once

#include <cstdint>

#include "diffuse/run_config.h"

namespace diffuse {

// The learning rate of training step `step` (0-based): a linear warm-up over
// warmup_steps, then the schedule's:
// - constant: learning_rate (Ho et al. 2020 train at a fixed 2e-4);
// - cosine: learning_rate (1 + cos(pi p)) / 2 with p the share of the steps
//   after warm-up done, so it would reach 0 at step training.steps, one past
//   the last (Loshchilov & Hutter 2017, SGDR without restarts). A resume
//   with more --steps stretches the decay over the new total.
double learning_rate_at(const TrainOptions& options, int64_t step);

}  // namespace diffuse
