#include "diffuse/serve/sample_job.h"

#include <chrono>
#include <filesystem>
#include <sstream>

#include <torch/torch.h>

#include "diffuse/guidance.h"
#include "diffuse/io/image.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/serve/molecule_job.h"
#include "diffuse/serve/plan_job.h"
#include "diffuse/serve/previewing_denoiser.h"
#include "diffuse/serve/restore_job.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

std::string csv_of(const torch::Tensor& samples) {
  const torch::Tensor rows = samples.reshape({samples.size(0), -1}).to(torch::kFloat64).contiguous();
  const auto values = rows.accessor<double, 2>();
  std::ostringstream out;
  out.precision(9);
  if (rows.size(1) == 2) out << "x,y\n";
  for (int64_t i = 0; i < rows.size(0); ++i) {
    for (int64_t j = 0; j < rows.size(1); ++j) out << (j > 0 ? "," : "") << values[i][j];
    out << "\n";
  }
  return out.str();
}

std::int64_t modification_stamp(const std::string& path) {
  std::error_code error;
  const auto time = std::filesystem::last_write_time(path, error);
  return error ? 0 : static_cast<std::int64_t>(time.time_since_epoch().count());
}

}  // namespace

SampleJobRunner::SampleJobRunner(RunCatalog catalog, ServeLimits limits)
    : catalog_(std::move(catalog)), limits_(limits) {}

ServedRun SampleJobRunner::check(const JobRequest& request, bool decode_uploads) const {
  const std::optional<ServedRun> run = catalog_.find(request.run);
  if (!run) throw RequestRefused(404, "no run named \"" + request.run + "\" under the served directory (GET /api/runs lists them)");
  if (request.task != JobTask::kSample && decode_uploads) {
    try {
      decode_restoration_input(request, *run, limits_);  // a bad upload is refused now, not when its turn comes
    } catch (const Error& e) {
      throw RequestRefused(400, e.what());
    }
  }
  const auto refuse_unless = [](bool fine, const std::string& why) {
    if (!fine) throw RequestRefused(400, why);
  };
  refuse_unless(!request.atoms || run->kind == "molecules", "\"atoms\" applies to molecule runs");
  refuse_unless((request.goal == "fixed" && request.replan == 0) || run->kind == "plan",
                "\"goal\" and \"replan\" apply to planners (plan runs)");
  if (run->kind == "molecules" && request.atoms) {
    const int64_t atoms = max_molecule_atoms(run->config);
    refuse_unless(*request.atoms <= atoms, "\"atoms\" is at most " + std::to_string(atoms) + " for \"" + request.run + "\"");
  }
  if (run->kind == "plan") {
    int64_t episode_steps = 0;
    try {
      episode_steps = planner_maze(run->config).episode_steps;
    } catch (const Error& e) {
      throw RequestRefused(400, e.what());
    }
    // Each plan is `steps` evaluations; replanning every r steps makes about episode / r plans an episode.
    const int64_t plans = request.replan > 0 ? (episode_steps + request.replan - 1) / request.replan : 1;
    const int64_t evaluations = request.num * plans * request.steps;
    refuse_unless(evaluations <= limits_.max_plan_evaluations,
                  std::to_string(request.num) + " episodes of " + std::to_string(plans) + " plans of " +
                      std::to_string(request.steps) + " steps take " + std::to_string(evaluations) +
                      " network evaluations; the server allows " + std::to_string(limits_.max_plan_evaluations) +
                      " (fewer episodes or steps, or replan less often)");
  }
  const int64_t most = run->kind == "image"       ? limits_.max_images
                       : run->kind == "molecules" ? limits_.max_molecules
                       : run->kind == "plan"      ? limits_.max_episodes
                                                  : limits_.max_points;
  if (request.num > most) {
    throw RequestRefused(400, "\"num\" is at most " + std::to_string(most) + " for " + run->kind + " runs, not " +
                                  std::to_string(request.num));
  }
  const int64_t classes = run->config.model->num_classes;
  if (request.class_label) {
    if (classes == 0) throw RequestRefused(400, "\"" + request.run + "\" is not class-conditional: leave \"class\" out");
    if (*request.class_label >= classes) {
      throw RequestRefused(400, "\"class\" is from 0 to " + std::to_string(classes - 1) + " for \"" + request.run + "\"");
    }
  }
  if (request.steps > run->config.schedule.num_timesteps) {
    throw RequestRefused(400, "\"steps\" is at most the run's " + std::to_string(run->config.schedule.num_timesteps) +
                                  " timesteps");
  }
  return *run;
}

std::shared_ptr<const TrainedModel> SampleJobRunner::model(const ServedRun& run) {
  const std::string weights = (std::filesystem::path(run.path) / "ema.safetensors").string();
  const std::int64_t stamp = modification_stamp(weights);
  std::lock_guard<std::mutex> lock(mutex_);
  Cached& cached = models_[run.path];
  if (!cached.model || cached.stamp != stamp) {  // new, or retrained since
    cached.model = std::make_shared<const TrainedModel>(load_trained_model(run.path));
    cached.stamp = stamp;
  }
  return cached.model;
}

JobResult SampleJobRunner::run(const JobRequest& request, JobProgress& progress) {
  // Checked again: the run may have changed or gone while the job waited.
  // The uploads were decoded when the job was taken; run_restoration decodes them once more, to use them.
  const ServedRun run = check(request, false);
  const std::shared_ptr<const TrainedModel> trained = model(run);
  if (request.task != JobTask::kSample) return run_restoration(trained, run, request, limits_, progress);
  if (run.kind == "molecules") return run_molecule_job(*trained, request, progress);
  if (run.kind == "plan") return run_plan_job(*trained, request, progress);
  auto base = std::make_shared<const Denoiser>(make_denoiser(*trained));
  std::shared_ptr<const Denoiser> chosen = base;
  if (request.class_label) chosen = std::make_shared<const GuidedDenoiser>(*base, request.guidance.value_or(1.0));
  const PreviewingDenoiser denoiser(chosen);

  SamplerOptions options;
  options.temperature = request.temperature;
  options.variance = trained->config.sampling.variance;
  const std::unique_ptr<Sampler> sampler = make_sampler(request.sampler, denoiser.schedule(), options);
  sampler->set_timesteps(request.steps);

  GenerateOptions generate_options;
  generate_options.num_samples = request.num;
  generate_options.batch_size = request.num;  // one batch: previews show every sample
  generate_options.seed = request.seed;
  if (request.class_label) generate_options.class_labels = torch::full({request.num}, *request.class_label, torch::kLong);
  auto last_preview = std::chrono::steady_clock::now();
  generate_options.on_step = [&](int64_t done, int64_t total) {
    if (progress.cancelled()) throw JobCancelled();
    progress.set_progress(done, total);
    const auto now = std::chrono::steady_clock::now();
    // A few pictures a second: encoding one costs a few milliseconds.
    if (done < total && now - last_preview > std::chrono::milliseconds(250) && denoiser.latest_x0().defined()) {
      const torch::Tensor x0 = denoiser.latest_x0();
      progress.set_preview(encode_png(render_samples(run.kind == "image" ? x0.clamp(-1.0, 1.0) : x0)));
      last_preview = now;
    }
  };
  torch::NoGradGuard no_grad;
  const torch::Tensor samples = generate(denoiser, *sampler, generate_options).samples;
  progress.set_preview(encode_png(render_samples(samples)));
  JobResult result;
  if (run.kind == "points") {
    result.content_type = "text/csv";
    result.body = csv_of(samples);
    result.file_name = "samples.csv";
  } else {
    result.content_type = "image/png";
    result.body = encode_png(render_samples(samples));
    result.file_name = "samples.png";
  }
  return result;
}

}  // namespace diffuse
