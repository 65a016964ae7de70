#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/optim/adam.h>

#include "diffuse/data/batch_order.h"
#include "diffuse/data/dataset.h"
#include "diffuse/distributed/communicator.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/models/network.h"
#include "diffuse/run_config.h"
#include "diffuse/schedule.h"
#include "diffuse/training/ema.h"

namespace diffuse {

struct TrainReport {
  int64_t first_step = 0;   // where this call started (> 0 when resumed)
  int64_t last_step = 0;    // steps completed in total
  double final_loss = 0.0;  // smoothed loss at the end
  double steps_per_second = 0.0;
  bool interrupted = false;  // stopped early by a stop request; a checkpoint was written
  int64_t skipped_steps = 0;  // steps with a NaN/Inf loss or gradient, over the whole run
  int64_t rollbacks = 0;      // returns to the last checkpoint after max_bad_steps bad steps in a row
};

// What may change when a run continues: only settings that leave the
// training trajectory as it was (0 / -1: keep the run's own).
struct ResumeOptions {
  int64_t total_steps = 0;
  int64_t checkpoint_every = 0;
  int64_t sample_every = -1;
  // Numerical-fault handling, which changes nothing in a run without faults.
  std::optional<int64_t> max_bad_steps;
  std::optional<NonFiniteAction> on_non_finite;
};

// Ho et al. Algorithm 1 (L_simple with t uniform) with Adam, warm-up,
// gradient clipping, EMA, atomic checksummed checkpoints (the previous one
// kept), exact resume, a metrics log, preview grids and a loss curve, all in
// one run directory. A step whose loss or gradient is NaN/Inf changes
// nothing and is skipped; after training.max_bad_steps of them in a row the
// run stops (Error, last checkpoint intact) or rolls back to the last
// checkpoint with a lower learning rate (training.on_non_finite).
//
// Data-parallel (a Communicator of several ranks): every rank builds the
// same Trainer, takes its slice of each global batch, and the gradients are
// summed before clipping, Adam and the EMA (training_step's BatchShare), so
// the ranks stay identical. Rank 0 alone reads and writes the run
// directory: it sends the other ranks the configuration and the checkpoint
// it resumes from, and the weights it starts with. Stopping is decided by
// all ranks together.
class Trainer {
 public:
  // A new run: writes config.json into `run_directory` (which must not hold
  // a checkpoint already).
  // `device`: where the network trains (device.h); the weights start, and
  // every random draw is made, on the CPU, so a run does not depend on it.
  // `communicator`: the job this process is a rank of (null: a job of one);
  // every rank must be given the same configuration.
  static Trainer create(const RunConfig& config, const std::string& run_directory,
                        torch::Device device = torch::kCPU, std::shared_ptr<Communicator> communicator = nullptr);
  // Continues a run from its checkpoint, on any device and with any number
  // of ranks (the draws depend on the example's place in the global batch,
  // not on the rank that holds it).
  static Trainer resume(const std::string& run_directory, const ResumeOptions& options = {},
                        torch::Device device = torch::kCPU, std::shared_ptr<Communicator> communicator = nullptr);

  // Trains up to config().training.steps. `stop` (may be null) is polled
  // once a step; when set, a checkpoint is written and the call returns.
  TrainReport run(const std::atomic<bool>* stop = nullptr, bool show_progress = true);

  // One optimisation step; returns the loss (NaN/Inf when the step was
  // skipped). Exposed for tests and benchmarks.
  double train_step();

  const RunConfig& config() const { return config_; }
  NoiseNetwork& network() { return *network_; }
  const ExponentialMovingAverage& ema() const { return *ema_; }
  int64_t step() const { return step_; }
  int64_t skipped_steps() const { return skipped_steps_; }
  double learning_rate_scale() const { return lr_scale_; }
  const RunDirectory& run_directory() const { return run_; }

  void save_checkpoint();
  void write_previews();

 private:
  // create() once the run directory exists.
  static Trainer create_in(const RunConfig& config, const RunDirectory& run, torch::Device device,
                           std::shared_ptr<Communicator> communicator);
  Trainer(RunConfig config, RunDirectory run, torch::Device device, std::shared_ptr<Communicator> communicator);
  // What a new run settles from its data (no clipping without a known range, ...).
  void settle_new_run();
  // The ranks check that they hold the same configuration and take rank 0's weights.
  void join_job();
  bool leader() const { return communicator_->world().leader(); }
  void load_checkpoint();
  void open_data();
  void handle_non_finite_step();
  double learning_rate_at(int64_t step) const;
  void log_metrics();
  void write_loss_plot() const;

  RunConfig config_;
  RunDirectory run_;
  NoiseSchedule schedule_;
  std::unique_ptr<Dataset> dataset_;
  NetworkPtr network_;
  NetworkPtr preview_network_;  // holds the EMA weights while drawing previews
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::unique_ptr<ExponentialMovingAverage> ema_;
  std::unique_ptr<BatchOrder> batch_order_;
  torch::Device device_;
  std::shared_ptr<Communicator> communicator_;
  int64_t step_ = 0;
  // Running sums for the current logging interval, part of the checkpoint so
  // a resumed log is identical to an uninterrupted one.
  double interval_loss_sum_ = 0.0;
  double interval_grad_norm_sum_ = 0.0;
  int64_t interval_count_ = 0;
  double smoothed_loss_ = 0.0;
  double elapsed_seconds_ = 0.0;  // training time over all sessions of the run
  // Numerical faults (part of the checkpoint, so a resumed run handles them alike).
  int64_t skipped_steps_ = 0;
  int64_t consecutive_bad_steps_ = 0;
  int64_t rollbacks_ = 0;
  double lr_scale_ = 1.0;  // rollback_lr_factor^rollbacks
  int64_t checkpoint_step_ = -1;  // step of the last checkpoint written or read; -1: none
  std::vector<std::pair<int64_t, double>> loss_history_;  // (step, mean loss) per interval
};

}  // namespace diffuse
