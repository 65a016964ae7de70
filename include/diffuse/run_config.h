#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "diffuse/models/network_config.h"
#include "diffuse/planning/trajectory_limits.h"
#include "diffuse/precision.h"
#include "diffuse/prediction.h"
#include "diffuse/schedule.h"

namespace diffuse {

// Where the training data comes from and how it is prepared.
struct DataConfig {
  std::string spec;          // "mnist:DIR", "fashion-mnist:DIR", "images:DIR" or "toy2d:NAME"
  bool random_flip = false;  // random horizontal flips (images only)
  // images:DIR only: train on random crops of the model's size taken from
  // each image at its own resolution, in the 8 symmetries of the square
  // (data/image_patches.h), instead of whole images centre-cropped and resized.
  bool random_crops = false;
  // Class-conditional training on the data's labels; the model's
  // num_classes and these names are filled from the data when a run starts.
  bool conditional = false;
  std::vector<std::string> class_names;
  // Molecules (qm9:DIR): heavy atoms only, and how many training molecules
  // have each atom count (index = count), filled from the data when a run
  // starts; sampling draws molecule sizes from it (EDM).
  bool no_hydrogens = false;
  std::vector<int64_t> atom_count_histogram;
  // Trajectories (maze2d:FILE): the normalisation of each column, filled
  // from the data when a run starts; planning normalises starts and goals
  // and reads plans back with it.
  TrajectoryLimits trajectory_limits;
  // Trajectories: the model sees every `trajectory_stride`-th state of a
  // window, the "jumpy" subgoal plans of Hierarchical Diffuser's sparse
  // planner (Chen et al. 2024, sec. 3.1); 1 is Diffuser's dense window.
  int64_t trajectory_stride = 1;
};

// What training does after `max_bad_steps` consecutive steps whose loss or
// gradient was NaN/Inf (each such step is skipped: no update, not counted).
enum class NonFiniteAction {
  kStop,      // stop with an error; the last checkpoint is left as it was
  kRollback,  // reload the last checkpoint, scale the learning rate by rollback_lr_factor, go on
};
std::string to_string(NonFiniteAction action);
NonFiniteAction non_finite_action_from_string(const std::string& name);

// The learning rate after warm-up (training/learning_rate.h).
enum class LrSchedule {
  kConstant,  // Ho et al. 2020
  kCosine,    // cosine decay towards 0 at the end of training
};
std::string to_string(LrSchedule schedule);
LrSchedule lr_schedule_from_string(const std::string& name);

// Ho et al. Algorithm 1 with the usual engineering around it.
struct TrainOptions {
  int64_t steps = 20000;
  int64_t batch_size = 64;
  double learning_rate = 2e-4;   // Adam, Ho et al. use 2e-4
  int64_t warmup_steps = 500;    // linear learning-rate warm-up
  LrSchedule lr_schedule = LrSchedule::kConstant;  // after the warm-up
  double grad_clip = 1.0;        // global gradient-norm clip; 0 disables
  double ema_decay = 0.9999;
  bool ema_warmup = true;        // decay min(ema_decay, (1 + n) / (10 + n)), so early EMA tracks the model
  uint64_t seed = 0;
  double label_dropout = 0.1;    // conditional runs: share of labels dropped to the null label (Ho & Salimans: 0.1-0.2)
  double min_snr_gamma = 0.0;    // Min-SNR-gamma loss weights (Hang et al. 2023; they use 5); 0: L_simple's uniform ones
  int64_t checkpoint_every = 1000;
  int64_t sample_every = 1000;   // preview grid under samples/; 0 disables
  int64_t log_every = 50;        // metrics.jsonl line
  int64_t preview_samples = 16;
  int64_t preview_steps = 100;   // respaced DDPM steps for preview grids
  Precision precision = Precision::kFloat32;  // what the network computes in (precision.h)
  // Numerical faults: these change nothing in a run without them.
  int64_t max_bad_steps = 10;        // consecutive skipped (NaN/Inf) steps before on_non_finite applies
  NonFiniteAction on_non_finite = NonFiniteAction::kStop;
  double rollback_lr_factor = 0.5;   // learning-rate scale per rollback
  int64_t max_rollbacks = 3;         // then stop as kStop would
};

// How the reverse process turns predictions into samples.
enum class ReverseVariance {
  kBetaTilde,  // sigma_t^2 = beta_tilde_t (Ho et al. sec. 3.2, optimal for a point mass x0)
  kBeta,       // sigma_t^2 = beta_t (optimal for x0 ~ N(0, I))
};
std::string to_string(ReverseVariance variance);
ReverseVariance reverse_variance_from_string(const std::string& name);

struct SamplingConfig {
  ReverseVariance variance = ReverseVariance::kBetaTilde;
  bool clip_x0 = true;  // clamp predicted x0 to the data range [-1, 1] (images)
};

// Everything that defines a run; config.json in the run directory.
struct RunConfig {
  std::string preset;  // informative: the preset it started from, if any
  ModelConfig model;
  ScheduleConfig schedule;
  Prediction prediction = Prediction::kEpsilon;
  DataConfig data;
  TrainOptions training;
  SamplingConfig sampling;

  void validate() const;
};

nlohmann::json run_config_to_json(const RunConfig& config);
// Missing fields take their defaults; wrong types, unknown keys and unknown
// names throw Error.
RunConfig run_config_from_json(const nlohmann::json& j);
// A config.json's bytes: any problem (not JSON, a wrong field) throws Error
// naming `source`, and nothing else is thrown.
RunConfig parse_run_config(const std::vector<std::uint8_t>& bytes, const std::string& source);
// The file at `path`, parsed as above.
RunConfig read_run_config(const std::string& path);

// Named starting points: "mnist-small", "mnist", "cifar10", "toy2d".
RunConfig preset_config(const std::string& name);
std::vector<std::string> preset_names();
std::string preset_description(const std::string& name);

}  // namespace diffuse
