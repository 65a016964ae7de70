#pragma once

#include <cstdint>

#include <torch/optim/adam.h>
#include <torch/types.h>

#include "diffuse/conditioning.h"
#include "diffuse/distributed/communicator.h"
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
  // Classifier-free guidance training (Ho & Salimans 2022, Algorithm 1): the
  // share of examples whose class label is replaced by the null label.
  double label_dropout = 0.0;
  // Min-SNR-gamma loss weights per example (prediction.h); 0: uniform.
  double min_snr_gamma = 0.0;
};

// The options a run's configuration sets: its prediction target, gradient
// clip, flips, precision, label dropout and loss weighting.
TrainingStepOptions training_step_options(const RunConfig& config);

// The random draws of one training step, example by example: example i of
// the step's batch draws t, eps, its flip and its label dropout from a key
// derived from (seed, step, first_example + i) alone (noise.h), so a step
// does not depend on the batch size, on how the batch is split, or on any
// generator state: a resumed run needs nothing but the step number.
struct TrainingDraws {
  torch::Tensor t;     // int64 [B], uniform over the schedule's timesteps
  torch::Tensor eps;   // float32 [B, ...sample shape], N(0, I)
  torch::Tensor flip;  // bool [B], probability 1/2
  torch::Tensor drop_label;  // bool [B], probability label_dropout
};
TrainingDraws draw_training_noise(std::uint64_t seed, int64_t step, int64_t first_example, int64_t count,
                                  torch::IntArrayRef sample_shape, int64_t num_timesteps, double label_dropout);

// This process's share of a data-parallel step (Communicator): its batch
// holds examples first_example, first_example + 1, ... of the step's global
// batch, and draws their noise by those global indices. The loss is divided
// by the whole batch's element count and the gradients are summed over the
// ranks, so every rank ends the step with the gradient, the loss and the
// weights one process would have had with the whole batch. The default is a
// job of one.
struct BatchShare {
  Communicator* communicator = nullptr;  // null: this process has the whole batch
  int64_t first_example = 0;
};

struct TrainingStepResult {
  double loss = 0.0;
  double grad_norm = 0.0;
  bool finite = true;  // false: the loss or the gradient was NaN/Inf and nothing was updated
};

// One iteration of Ho et al. Algorithm 1 on `batch` (on the network's
// device), with the draws of (seed, step): flips, label dropout to the null
// label, the loss L_simple (eq. 14) or its x0 / v analogue at
// x_t = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) eps (eq. 4), backward,
// gradient clipping, an Adam step at `learning_rate` and an EMA update. The
// one training step of the toolkit: the Trainer and the benchmarks run it.
// A class-conditional network needs the batch's labels; an unconditional
// one ignores them. With a BatchShare, one rank's part of a data-parallel step.
TrainingStepResult training_step(NoiseNetwork& network, const NoiseSchedule& schedule, torch::optim::Adam& optimizer,
                                 ExponentialMovingAverage& ema, const Batch& batch, double learning_rate,
                                 std::uint64_t seed, int64_t step, const TrainingStepOptions& options,
                                 const BatchShare& share = {});

}  // namespace diffuse
