// diffuse sample: run the reverse process of a trained model.
#include <cstdio>
#include <memory>
#include <sstream>

#include <torch/torch.h>

#include "commands.h"
#include "diffuse/denoiser.h"
#include "diffuse/io/image.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/util/error.h"
#include "diffuse/util/progress.h"

namespace diffuse::cli {

namespace {

struct SampleArguments {
  std::string run, out, trajectory, sampler = "ddpm", variance;
  int64_t num = 16, steps = 0, batch_size = 64;
  double temperature = 1.0;
  uint64_t seed = 0;
  bool no_ema = false, quiet = false;
};

void run_sample(const SampleArguments& args) {
  if (!args.trajectory.empty()) check_png_destination(args.trajectory, "--trajectory");
  const TrainedModel model = load_trained_model(args.run, !args.no_ema);
  const NoiseSchedule schedule = NoiseSchedule::from_config(model.config.schedule);
  const Denoiser denoiser(model.network, schedule, model.config.prediction, model.config.sampling.clip_x0);
  SamplerOptions options;
  options.temperature = args.temperature;
  options.variance = args.variance.empty() ? model.config.sampling.variance : reverse_variance_from_string(args.variance);
  const std::unique_ptr<Sampler> sampler = make_sampler(args.sampler, schedule, options);
  const int64_t steps = args.steps > 0 ? args.steps : schedule.num_timesteps();
  sampler->set_timesteps(steps);

  GenerateOptions generate_options;
  generate_options.num_samples = args.num;
  generate_options.batch_size = args.batch_size;
  generate_options.seed = args.seed;
  const bool points = model.network->sample_shape().size() == 1;
  check_samples_destination(args.out, points);
  if (!args.trajectory.empty()) {
    generate_options.trajectory_frames = 10;
    generate_options.trajectory_samples = points ? args.num : 8;
  }
  std::unique_ptr<ProgressBar> bar;
  if (!args.quiet) {
    const int64_t batches = (args.num + args.batch_size - 1) / args.batch_size;
    bar = std::make_unique<ProgressBar>("sample", batches * steps);
    generate_options.on_step = [&bar](int64_t done, int64_t) { bar->update(done); };
  }
  const GenerateResult result = generate(denoiser, *sampler, generate_options);
  if (bar) bar->finish();

  std::ostringstream title;
  title << args.num << " samples, " << sampler->name() << " " << steps << " steps, temperature " << args.temperature
        << (args.no_ema ? "" : ", EMA");
  const std::vector<std::string> written = write_samples(args.out, result.samples, title.str());
  std::printf("wrote %zu file%s: %s%s\n", written.size(), written.size() == 1 ? "" : "s", written.front().c_str(),
              written.size() > 1 ? " ..." : "");
  if (!args.trajectory.empty()) {
    std::ostringstream trajectory_title;
    trajectory_title << "reverse process, " << sampler->name() << " " << steps << " steps, temperature " << args.temperature;
    save_png(args.trajectory, render_trajectory(result.trajectory, result.trajectory_timesteps, trajectory_title.str()));
    std::printf("wrote %s\n", args.trajectory.c_str());
  }
}

}  // namespace

Command add_sample_command(CLI::App& app) {
  auto args = std::make_shared<SampleArguments>();
  CLI::App* command = app.add_subcommand("sample", "Generate samples from a trained run (Ho et al. Algorithm 2)");
  command->add_option("--run", args->run, "run directory written by 'diffuse train'")->required();
  command->add_option("--out", args->out, "grid.png, DIR/ (one PNG per sample) or samples.csv")->required();
  command->add_option("--num", args->num, "number of samples")->check(CLI::Range(int64_t{1}, int64_t{10000000}))->capture_default_str();
  command->add_option("--steps", args->steps, "reverse steps (default: T; fewer respaces the schedule)")
      ->check(CLI::PositiveNumber);
  command->add_option("--sampler", args->sampler, "sampler name")->capture_default_str();
  command->add_option("--temperature", args->temperature,
                      "scales x_T and the injected noise: 1 the model, <1 smoother and less diverse, 0 deterministic")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  command->add_option("--variance", args->variance, "reverse variance (default: the run's)")
      ->check(CLI::IsMember({"beta_tilde", "beta"}));
  command->add_option("--seed", args->seed, "seed of the noise")->capture_default_str();
  command->add_option("--batch-size", args->batch_size, "samples per network evaluation")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--trajectory", args->trajectory, "also write the reverse process of a few samples to this PNG");
  command->add_flag("--no-ema", args->no_ema, "use the raw weights instead of the EMA weights");
  command->add_flag("--quiet", args->quiet, "no progress bar");
  return {command, [args] { run_sample(*args); }};
}

}  // namespace diffuse::cli
