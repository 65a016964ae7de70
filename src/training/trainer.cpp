#include "diffuse/training/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/data/data_spec.h"
#include "diffuse/data/qm9.h"
#include "diffuse/denoiser.h"
#include "diffuse/distributed/gradient_sync.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/io/checkpoint.h"
#include "diffuse/io/image.h"
#include "diffuse/io/plot.h"
#include "diffuse/io/safetensors.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/models/network_registry.h"
#include "diffuse/noise.h"
#include "diffuse/planning/maze.h"
#include "diffuse/planning/maze_trajectories.h"
#include "diffuse/sampling/ddpm.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/training/learning_rate.h"
#include "diffuse/training/optimizer_state.h"
#include "diffuse/training/training_step.h"
#include "diffuse/util/error.h"
#include "diffuse/util/progress.h"

namespace diffuse {

namespace {

constexpr const char* kCheckpointFormat = "diffuse-checkpoint-v1";

// Doubles go into the checkpoint's string metadata in hex, which round-trips exactly.
std::string exact(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%a", value);
  return buffer;
}

std::string shortest(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

torch::Tensor generator_state(torch::Generator& generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_generator_state(torch::Generator& generator, const torch::Tensor& state) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

// Fails now, not at the first checkpoint, when the run cannot be written;
// removes what writes killed midway left behind (the files themselves are whole).
void prepare_for_writing(const RunDirectory& run) {
  check_directory_is_writable(run.path());
  for (const std::string& path : {run.checkpoint_path(), run.previous_checkpoint_path(), run.model_path(),
                                  run.ema_path(), run.config_path(), run.metrics_path(), run.loss_plot_path()}) {
    remove_leftover_temporary_files(path);
  }
}

// The first setting (as "a.b") in which two configurations differ, for messages.
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b, const std::string& prefix = "") {
  if (a.is_object() && b.is_object()) {
    for (const auto& item : a.items()) {
      const std::string key = prefix.empty() ? item.key() : prefix + "." + item.key();
      if (!b.contains(item.key())) return key;
      const std::string inner = first_difference(item.value(), b.at(item.key()), key);
      if (!inner.empty()) return inner;
    }
    for (const auto& item : b.items()) {
      if (!a.contains(item.key())) return prefix.empty() ? item.key() : prefix + "." + item.key();
    }
    return "";
  }
  return a == b ? "" : prefix;
}

// The setting "a.b" of a configuration as JSON text, or "unset".
std::string value_at(const nlohmann::json& config, const std::string& dotted) {
  std::string pointer = "/" + dotted;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  const nlohmann::json::json_pointer path(pointer);
  return config.contains(path) ? config.at(path).dump() : "unset";
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text;
  for (int64_t size : shape) text += (text.empty() ? "" : "x") + std::to_string(size);
  return text;
}

}  // namespace

Trainer::Trainer(RunConfig config, RunDirectory run, torch::Device device, std::shared_ptr<Communicator> communicator)
    : config_(std::move(config)),
      run_(std::move(run)),
      schedule_(NoiseSchedule::from_config(config_.schedule)),
      device_(device),
      communicator_(communicator ? std::move(communicator) : std::make_shared<LocalCommunicator>()) {
  open_data();
  config_.validate();
  // The global generator initialises the weights and drives dropout: seed it
  // so a run is reproducible, and save its state in checkpoints.
  torch::manual_seed(config_.training.seed);
  network_ = make_network(config_.model);  // initialised on the CPU, so the weights do not depend on the device
  network_->to(device_);
  // Built here, not per preview, so previews draw nothing from the global generator.
  preview_network_ = make_network(config_.model);
  preview_network_->to(device_);
  ema_ = std::make_unique<ExponentialMovingAverage>(*network_, config_.training.ema_decay, config_.training.ema_warmup);
  optimizer_ = std::make_unique<torch::optim::Adam>(
      network_->parameters(), torch::optim::AdamOptions(config_.training.learning_rate));
  batch_order_ = std::make_unique<BatchOrder>(dataset_->size(), config_.training.batch_size, config_.training.seed);
}

void Trainer::open_data() {
  const std::vector<int64_t> model_shape = config_.model->sample_shape();
  ImageFormat format;
  if (model_shape.size() == 3) format = {model_shape[0], model_shape[1], config_.data.random_crops};
  DatasetOptions options;
  options.image = format;
  options.no_hydrogens = config_.data.no_hydrogens;
  if (is_trajectory_data(config_.data.spec) && model_shape.size() == 2) options.horizon = model_shape[0];
  options.trajectory_limits = config_.data.trajectory_limits;  // a resumed run's own; empty: from the data
  options.trajectory_stride = config_.data.trajectory_stride;
  dataset_ = open_dataset(config_.data.spec, options);
  check(dataset_->sample_shape() == model_shape,
        "data '" + config_.data.spec + "' holds samples of shape " + shape_text(dataset_->sample_shape()) +
            ", but the model makes " + shape_text(model_shape) +
            (dataset_->is_image() ? " (for images use an image preset such as mnist-small)"
             : is_molecule_data(config_.data.spec)
                 ? " (for molecules the preset and --no-hydrogens go together: qm9-small with --no-hydrogens, "
                   "qm9-small-h and qm9-edm without)"
             : is_trajectory_data(config_.data.spec) ? " (for trajectories use a maze2d preset)"
                                                     : " (for 2-D points use a point model such as the toy2d preset)"));
  if (const auto* trajectories = dynamic_cast<const MazeTrajectoryDataset*>(dataset_.get())) {
    // A new run records the normalisation its planner will need.
    config_.data.trajectory_limits = trajectories->limits();
    check(preset_fits_maze(config_.preset, trajectories->env()),
          "data '" + config_.data.spec + "' holds " + trajectories->env() + " trajectories, but the preset is " +
              config_.preset + ": give --preset " + trajectories->env() +
              (config_.data.trajectory_stride > 1 ? "-sparse" : is_low_level_preset(config_.preset) ? "-low" : ""));
  }
  if (const auto* molecules = dynamic_cast<const Qm9Dataset*>(dataset_.get())) {
    // A new run records its molecule sizes; a resumed one must find the same.
    if (config_.data.atom_count_histogram.empty()) config_.data.atom_count_histogram = molecules->atom_count_histogram();
    check(config_.data.atom_count_histogram == molecules->atom_count_histogram(),
          "the molecules of '" + config_.data.spec + "' are not the run's own (atom_count_histogram in config.json)");
  }
  if (!config_.data.conditional) return;
  const std::vector<std::string> names = dataset_->class_names();
  check(!names.empty(), "--conditional needs labelled data, and '" + config_.data.spec +
                            "' has no classes (labels come from the MNIST and Fashion-MNIST label files, from "
                            "images:DIR with one sub-folder per class, and from toy2d:8gaussians, moons and checkerboard)");
  if (config_.model->num_classes == 0) {  // a new run: the classes come from its data
    config_.model->num_classes = static_cast<int64_t>(names.size());
    config_.data.class_names = names;
  }
  check(config_.model->num_classes == static_cast<int64_t>(names.size()),
        "the run's model has " + std::to_string(config_.model->num_classes) + " classes, but '" + config_.data.spec +
            "' has " + std::to_string(names.size()));
  // Renamed or reordered class folders would silently give labels other meanings.
  check(config_.data.class_names == names, "the classes of '" + config_.data.spec +
                                                "' are not the run's own (class_names in config.json): were class folders "
                                                "renamed, added or removed?");
}

Trainer Trainer::create(const RunConfig& config, const std::string& run_directory, torch::Device device,
                        std::shared_ptr<Communicator> communicator) {
  RunDirectory run(run_directory);
  if (communicator && !communicator->world().leader()) {  // rank 0 alone touches the run directory
    Trainer trainer(config, run, device, communicator);
    trainer.settle_new_run();
    trainer.join_job();
    return trainer;
  }
  check(!run.has_checkpoint(), run_directory + " already holds a training run: add --resume to continue it, or choose another --out");
  const bool existed = std::filesystem::exists(run_directory);
  create_directories(run_directory);
  try {
    Trainer trainer = create_in(config, run, device, communicator);
    trainer.join_job();
    return trainer;
  } catch (...) {
    // A run that fails before its first step (unknown data, a model that does
    // not fit it) leaves no empty directory behind; remove() takes only an empty one.
    std::error_code ignored;
    if (!existed) std::filesystem::remove(run_directory, ignored);
    throw;
  }
}

Trainer Trainer::create_in(const RunConfig& config, const RunDirectory& run, torch::Device device,
                           std::shared_ptr<Communicator> communicator) {
  prepare_for_writing(run);
  Trainer trainer(config, run, device, std::move(communicator));
  trainer.settle_new_run();
  run.write_config(trainer.config_);
  std::error_code error;
  std::filesystem::remove(run.metrics_path(), error);  // a fresh run starts a fresh log
  return trainer;
}

void Trainer::settle_new_run() {
  if (!dataset_->bounded()) config_.sampling.clip_x0 = false;  // no known range to clip to
  if (!dataset_->is_image()) config_.data.random_flip = false;
  // Molecules are looked at through `diffuse sample` and `diffuse molecules
  // eval`; the preview grids are pictures of images and points.
  if (is_molecule_data(config_.data.spec) || is_trajectory_data(config_.data.spec)) config_.training.sample_every = 0;
}

void Trainer::join_job() {
  Communicator& job = *communicator_;
  if (job.size() == 1) return;
  const World& world = job.world();
  const nlohmann::json mine = run_config_to_json(config_);
  const nlohmann::json leaders = nlohmann::json::parse(job.broadcast_text(mine.dump()));
  const std::string difference = first_difference(leaders, mine);
  if (job.any(!difference.empty())) {
    throw Error(world.describe() + ": the ranks of the job were not given the same settings (" +
                (difference.empty() ? std::string("this rank's agree with rank 0's; the ranks that differ name the setting")
                                    : difference + " is " + value_at(mine, difference) + " here but " +
                                          value_at(leaders, difference) + " on rank 0") +
                "). Start every rank with the same command and the same data");
  }
  check(config_.training.batch_size >= world.size,
        "--batch-size " + std::to_string(config_.training.batch_size) + " is the global batch, shared by " +
            std::to_string(world.size) + " ranks: give at least one example per rank");
  // The same start on every rank, whatever each initialised or read.
  std::vector<torch::Tensor> state;
  for (const auto& parameter : network_->parameters()) state.push_back(parameter.data());
  for (const auto& [name, weight] : ema_->weights()) state.push_back(weight);
  broadcast_tensors(job, state);
}

Trainer Trainer::resume(const std::string& run_directory, const ResumeOptions& options, torch::Device device,
                        std::shared_ptr<Communicator> communicator) {
  RunDirectory run(run_directory);
  const bool leader = !communicator || communicator->world().leader();
  RunConfig config;
  if (leader) {
    check(run.has_checkpoint(), run_directory + " has no checkpoint.safetensors to resume from");
    config = run.read_config();
    if (options.total_steps > 0) config.training.steps = options.total_steps;
    if (options.checkpoint_every > 0) config.training.checkpoint_every = options.checkpoint_every;
    if (options.sample_every >= 0) config.training.sample_every = options.sample_every;
    if (options.max_bad_steps) config.training.max_bad_steps = *options.max_bad_steps;
    if (options.on_non_finite) config.training.on_non_finite = *options.on_non_finite;
    config.validate();
    prepare_for_writing(run);
  }
  if (communicator && communicator->size() > 1) {  // the other ranks continue the run rank 0 read
    config = run_config_from_json(
        nlohmann::json::parse(communicator->broadcast_text(leader ? run_config_to_json(config).dump() : "")));
  }
  Trainer trainer(config, run, device, communicator);
  trainer.load_checkpoint();
  // Checked before config.json is rewritten: a smaller --steps would mark a
  // run as shorter than it already is.
  check(config.training.steps >= trainer.step_,
        run_directory + " is already at step " + std::to_string(trainer.step_) + ": --steps " +
            std::to_string(config.training.steps) + " would train nothing. Give more steps than that to train further; "
            "the run is left as it is");
  if (leader) run.write_config(config);
  trainer.join_job();
  return trainer;
}

double Trainer::learning_rate_at(int64_t step) const {
  return diffuse::learning_rate_at(config_.training, step) * lr_scale_;
}

double Trainer::train_step() {
  // This rank's slice of the global batch (the whole of it in a job of one).
  const std::vector<int64_t> global = batch_order_->next_batch();
  const World& world = communicator_->world();
  const auto size = static_cast<int64_t>(global.size());
  const int64_t first = size * world.rank / world.size, end = size * (world.rank + 1) / world.size;
  const Batch data = dataset_->get_batch(std::vector<int64_t>(global.begin() + first, global.begin() + end));
  const Batch batch{data.x0.to(device_), data.conditioning.to(device_)};
  // The draws depend on (seed, step, example) only; a retried step (after a NaN) draws afresh.
  const int64_t draw_step = step_ + skipped_steps_;
  if (world.distributed()) {
    // Dropout inside the network draws from the global generator, which
    // ranks do not share: key it by (seed, step, rank), so a resumed job
    // draws as before. (A network with dropout then depends on the number
    // of ranks; the CPU presets have none.)
    torch::manual_seed(derive_key(derive_key(config_.training.seed, static_cast<std::uint64_t>(draw_step)),
                                  static_cast<std::uint64_t>(world.rank)));
  }
  const TrainingStepResult result = training_step(*network_, schedule_, *optimizer_, *ema_, batch, learning_rate_at(step_),
                                                  config_.training.seed, draw_step, training_step_options(config_),
                                                  BatchShare{communicator_.get(), first});
  if (!result.finite) {
    handle_non_finite_step();
    return result.loss;
  }
  consecutive_bad_steps_ = 0;
  const double loss_value = result.loss, grad_norm = result.grad_norm;
  ++step_;

  interval_loss_sum_ += loss_value;
  interval_grad_norm_sum_ += grad_norm;
  ++interval_count_;
  smoothed_loss_ = step_ == 1 ? loss_value : 0.98 * smoothed_loss_ + 0.02 * loss_value;
  return loss_value;
}

void Trainer::handle_non_finite_step() {
  ++skipped_steps_;
  ++consecutive_bad_steps_;
  const TrainOptions& t = config_.training;
  if (consecutive_bad_steps_ < t.max_bad_steps) return;
  const std::string what = std::to_string(consecutive_bad_steps_) + " training steps in a row had a NaN/Inf loss or gradient (at step " +
                           std::to_string(step_ + 1) + ", learning rate " + shortest(learning_rate_at(step_)) + ")";
  if (t.on_non_finite == NonFiniteAction::kRollback && rollbacks_ < t.max_rollbacks && checkpoint_step_ >= 0) {
    const int64_t skipped = skipped_steps_, rollbacks = rollbacks_ + 1;
    const double scale = lr_scale_ * t.rollback_lr_factor;
    load_checkpoint();
    skipped_steps_ = skipped;
    rollbacks_ = rollbacks;
    lr_scale_ = scale;
    consecutive_bad_steps_ = 0;
    std::fprintf(stderr, "\nwarning: %s; rolled back to the checkpoint at step %lld with the learning rate scaled by %g (rollback %lld of %lld)\n",
                 what.c_str(), static_cast<long long>(step_), lr_scale_, static_cast<long long>(rollbacks_),
                 static_cast<long long>(t.max_rollbacks));
    return;
  }
  // The learning rate is part of the run's config; only a rollback lowers it for a resumed run.
  const std::string advice =
      checkpoint_step_ < 0 ? "the same command with a lower --lr (nothing was saved, so the same --out will do)"
      : t.on_non_finite == NonFiniteAction::kStop
          ? "diffuse train --out " + run_.path() + " --resume --on-nan rollback, or a new run with a lower --lr"
          : "a new run with a lower --lr";
  throw Error(what + ". Training stopped; " +
              (checkpoint_step_ >= 0 ? "the checkpoint at step " + std::to_string(checkpoint_step_) + " in " + run_.path() +
                                           " is intact and resumes with --resume"
                                     : "no checkpoint had been written yet") +
              (rollbacks_ > 0 ? " (after " + std::to_string(rollbacks_) + " rollbacks)" : "") + ". Try: " + advice + ".");
}

TrainReport Trainer::run(const std::atomic<bool>* stop, bool show_progress) {
  const TrainOptions& options = config_.training;
  TrainReport report;
  report.first_step = step_;
  // A rollback needs somewhere to go back to.
  if (options.on_non_finite == NonFiniteAction::kRollback && checkpoint_step_ < 0) save_checkpoint();
  std::unique_ptr<ProgressBar> bar;
  if (show_progress) bar = std::make_unique<ProgressBar>("train", options.steps, step_);
  const double elapsed_before = elapsed_seconds_;
  const auto started = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  while (step_ < options.steps) {
    // Every rank stops at the same step, whichever was asked to.
    const bool stop_here = stop != nullptr && stop->load();
    if (communicator_->size() > 1 ? communicator_->any(stop_here) : stop_here) {
      report.interrupted = true;
      break;
    }
    const int64_t before = step_;
    train_step();
    elapsed_seconds_ = elapsed_before + seconds();
    if (step_ <= before) continue;  // skipped (NaN/Inf) or rolled back: nothing new to log or save
    if (bar) {
      std::ostringstream extra;
      extra << "loss " << std::setprecision(4) << smoothed_loss_ << "  lr " << std::setprecision(2) << learning_rate_at(step_ - 1);
      bar->update(step_, extra.str());
    }
    if (step_ % options.log_every == 0) log_metrics();
    if (options.sample_every > 0 && step_ % options.sample_every == 0) write_previews();
    if (step_ % options.checkpoint_every == 0) save_checkpoint();
  }
  if (bar) bar->finish();
  report.steps_per_second = seconds() > 0 ? static_cast<double>(step_ - report.first_step) / seconds() : 0.0;
  if (step_ % options.checkpoint_every != 0 || report.interrupted || !run_.has_checkpoint()) save_checkpoint();
  if (!report.interrupted && (options.sample_every == 0 || step_ % options.sample_every != 0)) write_previews();
  report.last_step = step_;
  report.final_loss = smoothed_loss_;
  report.skipped_steps = skipped_steps_;
  report.rollbacks = rollbacks_;
  return report;
}

void Trainer::log_metrics() {
  if (interval_count_ == 0) return;
  if (!leader()) {  // the running sums are kept alike on every rank; rank 0 writes them
    interval_loss_sum_ = interval_grad_norm_sum_ = 0.0;
    interval_count_ = 0;
    return;
  }
  const double mean_loss = interval_loss_sum_ / static_cast<double>(interval_count_);
  const nlohmann::json line = {
      {"step", step_},
      {"loss", mean_loss},
      {"grad_norm", interval_grad_norm_sum_ / static_cast<double>(interval_count_)},
      {"lr", learning_rate_at(step_ - 1)},
      {"ema_decay", ema_->current_decay()},
      {"epoch", batch_order_->epoch()},
      {"skipped_steps", skipped_steps_},
      {"elapsed_seconds", elapsed_seconds_},
  };
  std::ofstream out(run_.metrics_path(), std::ios::app);
  out << line.dump() << "\n";
  check(static_cast<bool>(out), "cannot append to " + run_.metrics_path());
  loss_history_.emplace_back(step_, mean_loss);
  interval_loss_sum_ = interval_grad_norm_sum_ = 0.0;
  interval_count_ = 0;
}

void Trainer::write_loss_plot() const {
  if (loss_history_.size() < 2) return;
  Series raw{"mean loss per " + std::to_string(config_.training.log_every) + " steps", {}, {}, {31, 119, 180}, 1};
  for (const auto& [step, loss] : loss_history_) {
    raw.x.push_back(static_cast<double>(step));
    raw.y.push_back(loss);
  }
  LinePlotOptions options;
  const double gamma = config_.training.min_snr_gamma;
  options.title = "training loss (" + to_string(config_.prediction) + " prediction, " +
                  (gamma > 0.0 ? "min-SNR-" + format_tick(gamma) + " weighted" : std::string("L_simple")) + ")";
  options.x_label = "step";
  options.y_label = "MSE";
  options.log_y = true;
  save_png(run_.loss_plot_path(), render_line_plot({raw}, options));
}

void Trainer::write_previews() {
  if (!leader() || config_.training.sample_every == 0 || is_molecule_data(config_.data.spec)) return;
  load_state_into(*preview_network_, ema_->weights(), "EMA weights");
  const Denoiser denoiser(preview_network_, schedule_, config_.prediction, config_.sampling.clip_x0);
  SamplerOptions sampler_options;
  sampler_options.variance = config_.sampling.variance;
  DdpmSampler sampler(schedule_, sampler_options);
  sampler.set_timesteps(config_.training.preview_steps);
  GenerateOptions options;
  options.num_samples = config_.training.preview_samples;
  options.batch_size = std::min<int64_t>(options.num_samples, 256);
  const int64_t classes = config_.model->num_classes;
  if (classes > 0) options.class_labels = torch::arange(options.num_samples, torch::kLong).remainder(classes);
  const torch::Tensor samples = generate(denoiser, sampler, options).samples;
  std::ostringstream name;
  name << "step_" << std::setw(7) << std::setfill('0') << step_ << ".png";
  create_directories(run_.samples_directory());
  write_samples((std::filesystem::path(run_.samples_directory()) / name.str()).string(), samples,
                "step " + std::to_string(step_) + ", EMA weights, " + std::to_string(config_.training.preview_steps) +
                    "-step DDPM");
}

void Trainer::save_checkpoint() {
  if (!leader()) {  // rank 0 writes the job's checkpoint
    checkpoint_step_ = step_;
    return;
  }
  TensorFile file;
  for (const auto& [name, tensor] : state_of(*network_)) file.tensors["model." + name] = tensor;
  for (const auto& [name, tensor] : ema_->weights()) file.tensors["ema." + name] = tensor;
  const AdamState adam = export_adam_state(*optimizer_, *network_);
  for (const auto& [name, tensor] : adam.exp_avg) file.tensors["adam.exp_avg." + name] = tensor;
  for (const auto& [name, tensor] : adam.exp_avg_sq) file.tensors["adam.exp_avg_sq." + name] = tensor;
  torch::Generator global = at::detail::getDefaultCPUGenerator();
  file.tensors["rng.global"] = generator_state(global);
  file.metadata = {
      {"format", kCheckpointFormat},
      {"step", std::to_string(step_)},
      {"epoch", std::to_string(batch_order_->epoch())},
      {"position", std::to_string(batch_order_->position())},
      {"ema_updates", std::to_string(ema_->num_updates())},
      {"adam_step", std::to_string(adam.step)},
      {"interval_loss_sum", exact(interval_loss_sum_)},
      {"interval_grad_norm_sum", exact(interval_grad_norm_sum_)},
      {"interval_count", std::to_string(interval_count_)},
      {"smoothed_loss", exact(smoothed_loss_)},
      {"elapsed_seconds", exact(elapsed_seconds_)},
      {"skipped_steps", std::to_string(skipped_steps_)},
      {"consecutive_bad_steps", std::to_string(consecutive_bad_steps_)},
      {"rollbacks", std::to_string(rollbacks_)},
      {"lr_scale", exact(lr_scale_)},
  };
  try {
    run_.write_checkpoint(file);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + ". The checkpoint of step " + std::to_string(step_) + " was not saved; " +
                (checkpoint_step_ >= 0 ? "the one of step " + std::to_string(checkpoint_step_) + " is intact."
                                       : "there was none before it."));
  }
  checkpoint_step_ = step_;
  const std::map<std::string, std::string> weights_metadata{{"step", std::to_string(step_)}};
  save_weights(run_.model_path(), *network_, weights_metadata);
  save_safetensors(run_.ema_path(), TensorFile{ema_->weights(), weights_metadata});
  write_loss_plot();
}

void Trainer::load_checkpoint() {
  RunDirectory::Checkpoint checkpoint;
  if (leader()) checkpoint = run_.read_checkpoint();
  if (communicator_->size() > 1) {  // rank 0 reads; the other ranks need not see the run directory
    checkpoint.path = communicator_->broadcast_text(checkpoint.path);
    const std::string bytes = communicator_->broadcast_text(leader() ? serialize_safetensors(checkpoint.file) : "");
    if (!leader()) checkpoint.file = parse_safetensors(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), checkpoint.path);
  }
  const std::string& source = checkpoint.path;  // the previous checkpoint when the latest was damaged
  const TensorFile& file = checkpoint.file;
  auto meta = [&](const std::string& key) {
    const auto found = file.metadata.find(key);
    check(found != file.metadata.end(), source + ": not a Diffuse checkpoint (no '" + key + "' in its metadata)");
    return found->second;
  };
  check(meta("format") == kCheckpointFormat, source + ": unknown checkpoint format '" + meta("format") + "'");
  auto tensor = [&](const std::string& name) {
    const auto found = file.tensors.find(name);
    check(found != file.tensors.end(), source + ": checkpoint has no tensor '" + name + "'");
    return found->second;
  };
  try {
    load_state_into(*network_, with_prefix_removed(file.tensors, "model."), source);
    ema_->restore(with_prefix_removed(file.tensors, "ema."), std::stoll(meta("ema_updates")), source);
    AdamState adam;
    adam.step = std::stoll(meta("adam_step"));
    adam.exp_avg = with_prefix_removed(file.tensors, "adam.exp_avg.");
    adam.exp_avg_sq = with_prefix_removed(file.tensors, "adam.exp_avg_sq.");
    import_adam_state(*optimizer_, *network_, adam, source);
    // Checkpoints made before the per-example draws hold "rng.training"; it is no longer needed.
    torch::Generator global = at::detail::getDefaultCPUGenerator();
    set_generator_state(global, tensor("rng.global"));
    step_ = std::stoll(meta("step"));
    batch_order_->restore(std::stoll(meta("epoch")), std::stoll(meta("position")));
    interval_loss_sum_ = std::strtod(meta("interval_loss_sum").c_str(), nullptr);
    interval_grad_norm_sum_ = std::strtod(meta("interval_grad_norm_sum").c_str(), nullptr);
    interval_count_ = std::stoll(meta("interval_count"));
    smoothed_loss_ = std::strtod(meta("smoothed_loss").c_str(), nullptr);
    // Absent from checkpoints written before these were recorded.
    auto optional_meta = [&](const std::string& key, const std::string& fallback) {
      const auto found = file.metadata.find(key);
      return found == file.metadata.end() ? fallback : found->second;
    };
    elapsed_seconds_ = std::strtod(optional_meta("elapsed_seconds", "0").c_str(), nullptr);
    skipped_steps_ = std::stoll(optional_meta("skipped_steps", "0"));
    consecutive_bad_steps_ = std::stoll(optional_meta("consecutive_bad_steps", "0"));
    rollbacks_ = std::stoll(optional_meta("rollbacks", "0"));
    lr_scale_ = std::strtod(optional_meta("lr_scale", "1").c_str(), nullptr);
    checkpoint_step_ = step_;
  } catch (const std::logic_error& e) {  // std::stoll on damaged metadata
    throw Error(source + ": damaged checkpoint metadata (" + e.what() + ")");
  } catch (const c10::Error& e) {
    throw Error(source + ": cannot restore the checkpoint (" + first_line(e) + ")");
  }

  // Keep the log consistent with the checkpoint: drop lines written after it.
  loss_history_.clear();
  if (!leader()) return;
  std::ifstream in(run_.metrics_path());
  std::string kept, line;
  while (std::getline(in, line)) {
    try {
      const auto entry = nlohmann::json::parse(line);
      if (entry.value("step", int64_t{0}) > step_) continue;
      loss_history_.emplace_back(entry.value("step", int64_t{0}), entry.value("loss", 0.0));
      kept += line + "\n";
    } catch (const nlohmann::json::exception&) {
      // A line cut short by a crash: drop it.
    }
  }
  write_file_atomically(run_.metrics_path(), kept);
}

}  // namespace diffuse
