// diffuse info: architecture, parameter count and schedule of a run or preset.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/models/flops.h"
#include "diffuse/models/network_registry.h"
#include "diffuse/io/safetensors.h"
#include "diffuse/run_config.h"
#include "diffuse/schedule.h"
#include "diffuse/util/error.h"

namespace diffuse::cli {

namespace {

struct InfoArguments {
  std::string run;
  std::string preset;
};

void print_config(const RunConfig& config) {
  const NetworkPtr network = make_network(config.model);
  std::printf("%s\n", network->describe().c_str());
  std::printf("  compute: %.4g GFLOP per sample for one network evaluation, %.4g per training step\n",
              forward_flops(config.model) / 1e9, training_flops(config.model) / 1e9);
  const NoiseSchedule schedule = NoiseSchedule::from_config(config.schedule);
  const int64_t last = schedule.num_timesteps() - 1;
  std::printf("schedule: %s, T = %lld, beta %.3g .. %.3g, alpha_bar_T = %.3g, log-SNR %.2f .. %.2f\n",
              to_string(config.schedule.kind).c_str(), static_cast<long long>(schedule.num_timesteps()),
              schedule.beta(0), schedule.beta(last), schedule.alpha_bar(last), schedule.log_snr(0),
              schedule.log_snr(last));
  std::printf("prediction: %s; reverse variance: %s; clip x0: %s\n", to_string(config.prediction).c_str(),
              to_string(config.sampling.variance).c_str(), config.sampling.clip_x0 ? "yes" : "no");
  const TrainOptions& t = config.training;
  std::printf("training: %lld steps, batch %lld, Adam lr %.3g (warm-up %lld, then %s), grad clip %.3g, EMA %.4g, seed %llu, %s\n",
              static_cast<long long>(t.steps), static_cast<long long>(t.batch_size), t.learning_rate,
              static_cast<long long>(t.warmup_steps), to_string(t.lr_schedule).c_str(), t.grad_clip, t.ema_decay, static_cast<unsigned long long>(t.seed),
              to_string(t.precision).c_str());
  if (!config.data.spec.empty()) std::printf("data: %s%s\n", config.data.spec.c_str(), config.data.random_flip ? " (random flips)" : "");
}

void run_info(const InfoArguments& args) {
  if (!args.run.empty()) {
    const RunDirectory run(args.run);
    const RunConfig config = run.read_config();
    std::printf("run %s%s\n", args.run.c_str(), config.preset.empty() ? "" : (" (from preset " + config.preset + ")").c_str());
    print_config(config);
    std::error_code error;
    if (std::filesystem::is_regular_file(run.ema_path(), error)) {
      const TensorFile weights = load_safetensors(run.ema_path());
      const auto step = weights.metadata.find("step");
      std::printf("weights: trained for %s steps\n", step == weights.metadata.end() ? "?" : step->second.c_str());
    } else {
      std::printf("weights: none yet\n");
    }
    return;
  }
  if (!args.preset.empty()) {
    std::printf("preset %s: %s\n", args.preset.c_str(), preset_description(args.preset).c_str());
    print_config(preset_config(args.preset));
    return;
  }
  std::printf("presets:\n");
  for (const auto& name : preset_names()) std::printf("  %-12s %s\n", name.c_str(), preset_description(name).c_str());
  std::printf("use 'diffuse info --preset NAME' or 'diffuse info --run DIR' for details\n");
}

}  // namespace

Command add_info_command(CLI::App& app) {
  auto args = std::make_shared<InfoArguments>();
  CLI::App* command = app.add_subcommand("info", "Print the architecture, parameter count and schedule of a run or a preset");
  auto* run = command->add_option("--run", args->run, "a run directory written by 'diffuse train'");
  command->add_option("--preset", args->preset, "a preset name (mnist-small, mnist, cifar10, toy2d)")->excludes(run);
  return {command, [args] { run_info(*args); }};
}

}  // namespace diffuse::cli
