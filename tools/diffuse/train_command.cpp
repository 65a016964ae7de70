// diffuse train: train a noise predictor into a run directory.
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "common_options.h"
#include "local_job.h"
#include "option_checks.h"
#include "diffuse/data/data_spec.h"
#include "diffuse/device.h"
#include "diffuse/distributed/communicator.h"
#include "diffuse/distributed/world.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/models/egnn.h"
#include "diffuse/models/unet.h"
#include "diffuse/planning/maze_dataset.h"
#include "diffuse/training/trainer.h"
#include "diffuse/util/error.h"
#include "diffuse/util/progress.h"

namespace diffuse::cli {

namespace {

struct TrainArguments {
  std::string data, out, preset, config_file, prediction, schedule, lr_schedule, precision = "fp32", device = "cpu", on_nan;
  int64_t steps = 0, batch_size = 0, checkpoint_every = 0, sample_every = -1, image_size = 0, channels = 0;
  int64_t max_bad_steps = 0;
  int nproc_per_node = 1;
  int64_t num_timesteps = 0;
  double learning_rate = 0, ema_decay = -1, label_dropout = 0, min_snr_gamma = 0;
  uint64_t seed = 0;
  bool resume = false, flip = false, quiet = false, conditional = false, no_hydrogens = false;
  CLI::App* parser = nullptr;
};

bool given(const TrainArguments& args, const std::string& option) { return args.parser->count(option) > 0; }

// The flags on top of a configuration.
void apply_flags(RunConfig& config, const TrainArguments& args) {
  if (!args.data.empty()) config.data.spec = args.data;
  check(!config.data.spec.empty(), "no data: give --data or a \"data\": {\"spec\": ...} in the config file");
  if (auto* unet = config.model.get_if<UNetConfig>()) {
    if (args.image_size > 0) unet->image_size = args.image_size;
    if (args.channels > 0) unet->in_channels = unet->out_channels = args.channels;
  } else {
    check(args.image_size == 0 && args.channels == 0, "--image-size and --channels apply to image models only");
  }
  TrainOptions& t = config.training;
  if (given(args, "--steps")) t.steps = args.steps;
  if (given(args, "--batch-size")) t.batch_size = args.batch_size;
  if (given(args, "--lr")) t.learning_rate = args.learning_rate;
  if (given(args, "--lr-schedule")) t.lr_schedule = lr_schedule_from_string(args.lr_schedule);
  if (given(args, "--seed")) t.seed = args.seed;
  if (given(args, "--checkpoint-every")) t.checkpoint_every = args.checkpoint_every;
  if (given(args, "--sample-every")) t.sample_every = args.sample_every;
  if (given(args, "--ema-decay")) t.ema_decay = args.ema_decay;
  if (given(args, "--prediction")) config.prediction = prediction_from_string(args.prediction);
  if (given(args, "--schedule")) config.schedule.kind = schedule_kind_from_string(args.schedule);
  if (given(args, "--timesteps")) config.schedule.num_timesteps = args.num_timesteps;
  if (auto* egnn = config.model.get_if<EgnnConfig>()) egnn->num_timesteps = config.schedule.num_timesteps;
  check(!args.flip || config.model.get_if<UNetConfig>() != nullptr,
        "--flip mirrors images; " + config.data.spec + " is not image data, so it would do nothing");
  if (args.flip) config.data.random_flip = true;
  if (given(args, "--precision")) t.precision = precision_from_string(args.precision);
  if (given(args, "--max-bad-steps")) t.max_bad_steps = args.max_bad_steps;
  if (given(args, "--on-nan")) t.on_non_finite = non_finite_action_from_string(args.on_nan);
  if (args.conditional) config.data.conditional = true;
  check(!given(args, "--label-dropout") || config.data.conditional,
        "--label-dropout applies to class-conditional runs (--conditional)");
  if (given(args, "--label-dropout")) t.label_dropout = args.label_dropout;
  if (given(args, "--min-snr-gamma")) t.min_snr_gamma = args.min_snr_gamma;
  if (args.no_hydrogens) config.data.no_hydrogens = true;
  check(!config.data.no_hydrogens || is_molecule_data(config.data.spec),
        "--no-hydrogens applies to molecules (--data qm9[:DIR])");
}

// The preset a run on `data` starts from unless --preset names one: the
// maze's own for trajectories, toy2d for points, mnist-small for images.
std::string default_preset(const std::string& data) {
  if (is_trajectory_data(data)) return load_maze_dataset(parse_data_spec(data).argument).env;
  return is_point_data(data) ? "toy2d" : "mnist-small";
}

// The configuration of a new run: a config file or a preset, then the flags on top.
RunConfig build_config(const TrainArguments& args) {
  RunConfig config;
  if (!args.config_file.empty()) {
    config = read_run_config(args.config_file);
  } else {
    check(!args.data.empty(), "--data is required for a new run (e.g. --data fashion-mnist or --data toy2d:swissroll)");
    config = preset_config(!args.preset.empty() ? args.preset : default_preset(args.data));
  }
  apply_flags(config, args);
  config.training.preview_steps = std::min(config.training.preview_steps, config.schedule.num_timesteps);
  config.validate();
  return config;
}

// Every leaf of a JSON object as "a.b.c" -> value.
void flatten(const nlohmann::json& j, const std::string& prefix, std::map<std::string, nlohmann::json>& out) {
  if (!j.is_object()) {
    out[prefix] = j;
    return;
  }
  for (const auto& item : j.items()) flatten(item.value(), prefix.empty() ? item.key() : prefix + "." + item.key(), out);
}

// --resume continues a run as it was: flags equal to the run's own settings
// are accepted, any other value of a setting that shapes the training is refused.
void check_resume_flags(const TrainArguments& args) {
  check(!given(args, "--config"), "--config cannot be given with --resume: the run continues with its own config.json");
  const RunConfig stored = RunDirectory(args.out).read_config();
  check(!given(args, "--preset") || args.preset == stored.preset,
        "--preset " + args.preset + " cannot be changed with --resume: the run started from '" + stored.preset + "'");
  RunConfig requested = stored;
  apply_flags(requested, args);
  std::map<std::string, nlohmann::json> before, after;
  flatten(run_config_to_json(stored), "", before);
  flatten(run_config_to_json(requested), "", after);
  // What may change on a resume (ResumeOptions) is left out of the comparison.
  for (const char* free : {"training.steps", "training.checkpoint_every", "training.sample_every", "training.max_bad_steps",
                           "training.on_non_finite"}) {
    before.erase(free);
    after.erase(free);
  }
  for (const auto& [key, value] : after) {
    const auto found = before.find(key);
    check(found != before.end() && found->second == value,
          "the run's " + key + " is " + (found == before.end() ? "unset" : found->second.dump()) + ", not " + value.dump() +
              ": settings that shape the training cannot be changed with --resume (only --steps, --checkpoint-every, "
              "--sample-every, --max-bad-steps and --on-nan may; flags equal to the run's own are accepted)");
  }
}

void run_train(const TrainArguments& args) {
  if (run_as_local_job(args.nproc_per_node, "; its last checkpoint in " + args.out + " is intact")) return;
  const World world = world_from_environment();
  const bool leader = world.leader();
  // Rank 0 alone checks the run directory and reports; the other ranks take its settings.
  if (args.resume && leader) check_resume_flags(args);
  ResumeOptions resume;
  if (given(args, "--steps")) resume.total_steps = args.steps;
  if (given(args, "--checkpoint-every")) resume.checkpoint_every = args.checkpoint_every;
  if (given(args, "--sample-every")) resume.sample_every = args.sample_every;
  if (given(args, "--max-bad-steps")) resume.max_bad_steps = args.max_bad_steps;
  if (given(args, "--on-nan")) resume.on_non_finite = non_finite_action_from_string(args.on_nan);
  torch::Device device = device_from_string(args.device);
  // Each rank of a job on a machine with GPUs takes its own, as torchrun's users expect.
  if (world.distributed() && device.is_cuda() && !device.has_index()) {
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(world.local_rank));
  }
  std::shared_ptr<Communicator> job = connect(world, kDefaultCollectiveTimeout, device);
  Trainer trainer = args.resume ? Trainer::resume(args.out, resume, device, job)
                                : Trainer::create(build_config(args), args.out, device, job);
  const RunConfig& config = trainer.config();
  install_stop_handler();
  if (!leader) {
    const TrainReport report = trainer.run(&stop_requested(), /*show_progress=*/false);
    if (report.interrupted) throw Stopped{stop_signal() == 0 ? SIGINT : stop_signal()};
    return;
  }
  if (world.distributed()) {
    std::printf("data-parallel job of %d ranks (Gloo, rendezvous at %s:%d); global batch %lld\n", world.size,
                world.master_address.c_str(), world.master_port, static_cast<long long>(config.training.batch_size));
  }
  if (args.resume) {
    std::printf("resuming %s at step %lld of %lld\n", args.out.c_str(), static_cast<long long>(trainer.step()),
                static_cast<long long>(config.training.steps));
  }
  std::printf("%s\n", trainer.network().describe().c_str());
  std::printf("data: %s\nrun directory: %s\n", config.data.spec.c_str(), args.out.c_str());
  std::fflush(stdout);

  const TrainReport report = trainer.run(&stop_requested(), !args.quiet);
  if (report.interrupted) {
    const int signal = stop_signal();
    std::fprintf(stderr, "diffuse: stopped by %s at step %lld of %lld; checkpoint saved. Continue with: diffuse train --out %s --resume\n",
                 signal == SIGTERM ? "SIGTERM" : "Ctrl-C", static_cast<long long>(report.last_step),
                 static_cast<long long>(config.training.steps), args.out.c_str());
    throw Stopped{signal == 0 ? SIGINT : signal};
  }
  std::printf("trained to step %lld (%.2f it/s, smoothed loss %.4f); weights in %s\n",
              static_cast<long long>(report.last_step), report.steps_per_second, report.final_loss, args.out.c_str());
  if (report.skipped_steps > 0) {
    std::printf("skipped %lld steps with a NaN/Inf loss or gradient; %lld rollbacks (learning rate now x%g)\n",
                static_cast<long long>(report.skipped_steps), static_cast<long long>(report.rollbacks),
                trainer.learning_rate_scale());
  }
}

// The defaults each preset gives the options left out: train --help's footer.
std::string preset_defaults_table() {
  std::string table = "Preset defaults (the options left out take these):\n";
  char line[200];
  std::snprintf(line, sizeof line, "  %-12s %9s %6s %8s %11s %9s %9s\n", "preset", "--steps", "batch", "--lr", "--ema-decay",
                "ckpt every", "samples");
  table += line;
  for (const std::string& name : preset_names()) {
    const TrainOptions t = preset_config(name).training;
    std::snprintf(line, sizeof line, "  %-12s %9lld %6lld %8g %11g %9lld %9lld\n", name.c_str(),
                  static_cast<long long>(t.steps), static_cast<long long>(t.batch_size), t.learning_rate, t.ema_decay,
                  static_cast<long long>(t.checkpoint_every), static_cast<long long>(t.sample_every));
    table += line;
  }
  return table + "Seed " + std::to_string(TrainOptions{}.seed) +
         " unless --seed is given; the run's config.json records every value used.";
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArguments>();
  CLI::App* command = app.add_subcommand("train", "Train a noise predictor (Ho et al. Algorithm 1) into a run directory");
  args->parser = command;
  command->footer(preset_defaults_table());
  command->add_option("--data", args->data,
                      "mnist[:DIR], fashion-mnist[:DIR], images:DIR, toy2d:{swissroll,moons,8gaussians,checkerboard}, "
                      "qm9[:DIR] or maze2d:FILE (a plan collect dataset)");
  command->add_option("--out", args->out, "run directory to write (or to continue with --resume)")->required();
  command->add_option("--preset", args->preset,
                      "mnist-small (default for images), mnist, cifar10, photo-grey, toy2d (default for toy2d), "
                      "qm9-small, qm9-small-h, qm9-edm, maze2d-umaze|medium|large[-sparse|-low] (default: the dataset's "
                      "maze)");
  command->add_option("--config", args->config_file, "a config.json to start from instead of a preset");
  command->add_option("--steps", args->steps, "total training steps (default: the preset's, below)")->check(positive());
  command->add_option("--batch-size", args->batch_size, "samples per step (default: the preset's)")->check(positive());
  command->add_option("--lr", args->learning_rate, "Adam learning rate (default: the preset's)")->check(positive());
  command->add_option("--lr-schedule", args->lr_schedule,
                      "the learning rate after warm-up: constant (default) or cosine (decays towards 0 at the end of training)")
      ->check(CLI::IsMember({"constant", "cosine"}));
  add_seed_option(*command, args->seed, "seed of the weights, data order and noise");
  command->add_option("--checkpoint-every", args->checkpoint_every, "steps between checkpoints")->check(positive());
  command->add_option("--sample-every", args->sample_every, "steps between preview grids in samples/ (0: none)")
      ->check(non_negative());
  command->add_option("--prediction", args->prediction, "network target")->check(CLI::IsMember({"eps", "x0", "v"}));
  command->add_option("--schedule", args->schedule, "noise schedule")->check(CLI::IsMember({"linear", "cosine", "sigmoid", "polynomial"}));
  command->add_option("--timesteps", args->num_timesteps, "T, the number of diffusion steps")->check(positive());
  command->add_option("--image-size", args->image_size, "the model's image size: images are resized to it, or cut into crops of it "
                                                     "(photo-grey)")->check(positive());
  command->add_option("--channels", args->channels, "1 (grey) or 3 (RGB) (image models)")->check(CLI::IsMember({1, 3}));
  command->add_option("--ema-decay", args->ema_decay, "EMA decay of the weights")->check(number_in(0.0, 0.999999));
  command->add_flag("--flip", args->flip, "random horizontal flips (image data)");
  command->add_flag("--conditional", args->conditional,
                    "learn p(x | class) and, through label dropout, p(x) in one network (labelled data: mnist, "
                    "fashion-mnist, images:DIR with a sub-folder per class, toy2d:8gaussians/moons/checkerboard)");
  command->add_option("--label-dropout", args->label_dropout,
                      "conditional runs: share of labels replaced by the null label (default 0.1)")
      ->check(number_in(0.0, 1.0));
  command->add_option("--min-snr-gamma", args->min_snr_gamma,
                      "weight each example's loss by min(SNR, G) on the x0 error (Hang et al. 2023 use G = 5): "
                      "low-noise steps stop dominating training; 0 (default): L_simple's uniform weights")
      ->check(number_in(0.0, 1e6));
  command->add_flag("--no-hydrogens", args->no_hydrogens,
                    "molecules: heavy atoms only (the qm9-small preset implies it; qm9-small-h and qm9-edm keep hydrogens)");
  command->add_flag("--resume", args->resume, "continue the run in --out from its checkpoint");
  command->add_option("--max-bad-steps", args->max_bad_steps,
                      "NaN/Inf steps in a row (each skipped) before --on-nan applies (default 10)")
      ->check(positive());
  command->add_option("--on-nan", args->on_nan,
                      "after --max-bad-steps bad steps: stop (default; the last checkpoint stays intact) or rollback "
                      "(reload the last checkpoint, halve the learning rate, at most 3 times)")
      ->check(CLI::IsMember({"stop", "rollback"}));
  add_precision_option(*command, args->precision, "what the network trains in (weights and Adam stay fp32)");
  add_device_option(*command, args->device);
  add_nproc_per_node_option(*command, args->nproc_per_node, "train data-parallel (--batch-size stays the global batch)");
  command->add_flag("--quiet", args->quiet, "no progress bar");
  const auto* preset = command->get_option("--preset");
  command->get_option("--config")->excludes(const_cast<CLI::Option*>(preset));
  return {command, [args] { run_train(*args); }, /*outputs_together=*/false};
}

}  // namespace diffuse::cli
