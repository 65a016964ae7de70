#pragma once

#include <torch/optim/adam.h>
#include <torch/types.h>

#include "diffuse/models/network.h"
#include "diffuse/precision.h"
#include "diffuse/prediction.h"
#include "diffuse/run_config.h"
#include "diffuse/schedule.h"
#include "diffuse/training/ema.h"

namespace diffuse {

struct TrainingStepOptions {
  Prediction prediction = Prediction::kEpsilon;
  double grad_clip = 1.0;  // global gradient-norm clip; 0 disables
  bool random_flip = false;  // horizontal flips of image batches
  Precision precision = Precision::kFloat32;
};

// The options a run's configuration sets: its prediction target, gradient
// clip, flips and precision.
TrainingStepOptions training_step_options(const RunConfig& config);

struct TrainingStepResult {
  double loss = 0.0;
  double grad_norm = 0.0;
  bool finite = true;  // false: the loss or the gradient was NaN/Inf and nothing was updated
};

// One iteration of Ho et al. Algorithm 1 on the batch x0 (on the network's device): t ~ Uniform,
// eps ~ N(0, I) (and flips) from `generator`, the loss L_simple (eq. 14) or
// its x0 / v analogue, backward, gradient clipping, an Adam step at
// `learning_rate` and an EMA update. The one training step of the toolkit:
// the Trainer and the benchmarks both run it.
TrainingStepResult training_step(NoiseNetwork& network, const NoiseSchedule& schedule, torch::optim::Adam& optimizer,
                                 ExponentialMovingAverage& ema, torch::Tensor x0, double learning_rate,
                                 torch::Generator& generator, const TrainingStepOptions& options);

}  // namespace diffuse
