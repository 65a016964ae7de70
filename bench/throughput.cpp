// Training and sampling throughput of the U-Net presets, in the units users
// care about (images/s, evaluations/s, seconds per sample batch) and as a
// share of this machine's matmul ceiling, measured in the same run. Its
// twin, bench/reference/throughput_reference.py, times the identical model
// in Python PyTorch the same way; bench/compare_with_python.py runs both.
//
//   build/bench/diffuse_bench                         # all presets; fp32, and bf16 where the CPU has bf16 units
//   build/bench/diffuse_bench --presets mnist --precision bf16 --json out.json
//
// Each row: one untimed warm-up, then repeats until --min-time seconds and
// --min-iterations have passed; the median repeat is reported. Peak RSS is
// the process's high-water mark during the row (reset before it).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

#include "diffuse/denoiser.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/models/flops.h"
#include "diffuse/models/network_registry.h"
#include "diffuse/precision.h"
#include "diffuse/run_config.h"
#include "diffuse/runtime.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/schedule.h"
#include "diffuse/training/ema.h"
#include "diffuse/training/training_step.h"
#include "diffuse/util/error.h"
#include "process_memory.h"

namespace diffuse::bench {
namespace {

struct Timing {
  double median_seconds = 0.0;
  double fastest_seconds = 0.0;
  int64_t iterations = 0;
};

Timing measure(const std::function<void()>& body, double min_time, int64_t min_iterations, int64_t warmup = 1) {
  for (int64_t i = 0; i < warmup; ++i) body();
  std::vector<double> times;
  const auto start = std::chrono::steady_clock::now();
  auto since = [](std::chrono::steady_clock::time_point from) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
  };
  while (static_cast<int64_t>(times.size()) < min_iterations || since(start) < min_time) {
    const auto begin = std::chrono::steady_clock::now();
    body();
    times.push_back(since(begin));
  }
  std::sort(times.begin(), times.end());
  return {times[times.size() / 2], times.front(), static_cast<int64_t>(times.size())};
}

struct Settings {
  std::vector<std::string> presets{"mnist-small", "mnist", "cifar10"};
  std::vector<std::string> tasks{"train", "eval", "ddim"};
  std::vector<int64_t> train_batches{32, 128};
  std::vector<int64_t> eval_batches{1, 16, 128};
  int64_t ddim_samples = 64;
  int64_t ddim_steps = 50;
  int64_t soak_steps = 1000;
  std::vector<std::string> precisions;  // empty: fp32, and bf16 where the CPU computes it in hardware
  double min_time = 3.0;
  int64_t min_iterations = 3;
  int threads = 0;
  bool ceiling = true;
  std::string json_path;
};

struct Row {
  std::string preset, task, precision;
  int64_t batch = 0;
  Timing timing;
  double items_per_second = 0.0;  // images/s (train), evaluations/s (eval), samples/s (ddim)
  double gflops = 0.0;            // achieved, from the analytic count
  int64_t peak_rss = 0, rss_before = 0, rss_after = 0;
};

bool wanted(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string megabytes(int64_t bytes) {
  std::ostringstream out;
  out << (bytes + (1 << 19)) / (1 << 20);
  return out.str();
}

torch::Tensor image_batch(const ModelConfig& model, int64_t batch) {
  std::vector<int64_t> shape{batch};
  for (int64_t d : sample_shape(model)) shape.push_back(d);
  return torch::rand(shape) * 2 - 1;
}

// Times `body` as one row, with the process's memory around it.
Row run_row(const std::string& preset, const std::string& task, Precision precision, int64_t batch,
            const std::function<void()>& body, const Settings& settings, int64_t warmup = 1, int64_t min_iterations = 0) {
  Row row;
  row.preset = preset;
  row.task = task;
  row.precision = to_string(precision);
  row.batch = batch;
  reset_peak_resident();
  row.rss_before = resident_bytes();
  row.timing = measure(body, settings.min_time, min_iterations > 0 ? min_iterations : settings.min_iterations, warmup);
  row.rss_after = resident_bytes();
  row.peak_rss = peak_resident_bytes();
  return row;
}

std::vector<Row> bench_preset(const std::string& preset, Precision precision, const Settings& settings) {
  const RunConfig config = preset_config(preset);
  const NoiseSchedule schedule = NoiseSchedule::from_config(config.schedule);
  const double forward = forward_flops(config.model);
  std::vector<Row> rows;
  torch::manual_seed(0);
  const NetworkPtr network = make_network(config.model);

  if (wanted(settings.tasks, "train")) {
    torch::optim::Adam optimizer(network->parameters(), torch::optim::AdamOptions(config.training.learning_rate));
    ExponentialMovingAverage ema(*network, config.training.ema_decay, config.training.ema_warmup);
    int64_t step = 0;
    TrainingStepOptions options = training_step_options(config);
    options.precision = precision;
    for (int64_t batch : settings.train_batches) {
      const torch::Tensor x0 = image_batch(config.model, batch);
      Row row = run_row(preset, "train", precision, batch, [&] {
        training_step(*network, schedule, optimizer, ema, Batch{x0, {}}, config.training.learning_rate, 1, step++, options);
      }, settings);
      row.items_per_second = static_cast<double>(batch) / row.timing.median_seconds;
      row.gflops = training_flops(config.model) * static_cast<double>(batch) / row.timing.median_seconds / 1e9;
      rows.push_back(row);
    }
  }
  const Denoiser denoiser(network, schedule, config.prediction, config.sampling.clip_x0, precision);
  if (wanted(settings.tasks, "eval")) {
    const EvalModeGuard eval_mode(*network);
    const c10::InferenceMode inference;
    for (int64_t batch : settings.eval_batches) {
      const torch::Tensor x = image_batch(config.model, batch);
      const torch::Tensor t = torch::full({batch}, 500, torch::kLong);
      Row row = run_row(preset, "eval", precision, batch, [&] { denoiser.predict(x, t); }, settings);
      row.items_per_second = 1.0 / row.timing.median_seconds;
      row.gflops = forward * static_cast<double>(batch) / row.timing.median_seconds / 1e9;
      rows.push_back(row);
    }
  }
  if (wanted(settings.tasks, "ddim")) {
    const auto sampler = make_sampler("ddim", schedule, SamplerOptions{});
    sampler->set_timesteps(settings.ddim_steps);
    GenerateOptions options;
    options.num_samples = options.batch_size = settings.ddim_samples;
    {  // warm up on one evaluation of the same batch, not on a whole sample
      const c10::InferenceMode inference;
      const EvalModeGuard eval_mode(*network);
      denoiser.predict(image_batch(config.model, settings.ddim_samples), 500);
    }
    Row row = run_row(preset, "ddim", precision, settings.ddim_samples,
                      [&] { generate(denoiser, *sampler, options); }, settings, /*warmup=*/0, /*min_iterations=*/1);
    row.items_per_second = static_cast<double>(settings.ddim_samples) / row.timing.median_seconds;
    row.gflops = forward * static_cast<double>(settings.ddim_samples * settings.ddim_steps) /
                 row.timing.median_seconds / 1e9;
    rows.push_back(row);
  }
  return rows;
}

// Resident memory over a long run (task "soak"): soak_steps training steps
// at the first training batch size, then as many network evaluations at the
// last evaluation batch size, RSS read every 50. After the first 50 (the
// allocator's working set), it must stay flat: growth means a leak.
nlohmann::json memory_soak(const std::string& preset, Precision precision, const Settings& settings) {
  const RunConfig config = preset_config(preset);
  const NoiseSchedule schedule = NoiseSchedule::from_config(config.schedule);
  torch::manual_seed(0);
  const NetworkPtr network = make_network(config.model);
  torch::optim::Adam optimizer(network->parameters(), torch::optim::AdamOptions(config.training.learning_rate));
  ExponentialMovingAverage ema(*network, config.training.ema_decay, config.training.ema_warmup);
  int64_t step = 0;
  TrainingStepOptions options = training_step_options(config);
  options.precision = precision;
  const Denoiser denoiser(network, schedule, config.prediction, config.sampling.clip_x0, precision);
  nlohmann::json result = {{"preset", preset}, {"precision", to_string(precision)}};
  auto series = [&](const std::string& name, int64_t batch, const std::function<void()>& body) {
    std::vector<int64_t> rss;
    for (int64_t i = 1; i <= settings.soak_steps; ++i) {
      body();
      if (i % 50 == 0) rss.push_back(resident_bytes());
    }
    const int64_t settled = rss.empty() ? 0 : rss.front(), last = rss.empty() ? 0 : rss.back();
    const int64_t highest = rss.empty() ? 0 : *std::max_element(rss.begin(), rss.end());
    std::printf("soak %-12s %-5s batch %4lld, %lld repeats: RSS %s MB after 50, %s MB at the end, highest %s MB\n",
                preset.c_str(), name.c_str(), static_cast<long long>(batch), static_cast<long long>(settings.soak_steps),
                megabytes(settled).c_str(), megabytes(last).c_str(), megabytes(highest).c_str());
    std::fflush(stdout);
    result[name] = {{"batch", batch}, {"repeats", settings.soak_steps}, {"rss_every_50_bytes", rss},
                    {"growth_bytes", last - settled}};
  };
  const int64_t train_batch = settings.train_batches.front(), eval_batch = settings.eval_batches.back();
  const torch::Tensor x0 = image_batch(config.model, train_batch);
  series("train", train_batch, [&] {
    training_step(*network, schedule, optimizer, ema, Batch{x0, {}}, config.training.learning_rate, 1, step++, options);
  });
  const EvalModeGuard eval_mode(*network);
  const c10::InferenceMode inference;
  const torch::Tensor x = image_batch(config.model, eval_batch);
  series("eval", eval_batch, [&] { denoiser.predict(x, 500); });
  return result;
}

// The machine's dense-arithmetic ceiling: the fastest of repeated 2048^3
// matmuls on all the threads (the BLAS's own pool, which the runtime
// otherwise keeps at one). The fastest, not the median: a ceiling is the best
// the machine does, and on a shared machine the median drifts with the load.
double matmul_gflops(torch::ScalarType dtype, int threads, const Settings& settings) {
  constexpr int64_t n = 2048;
  const torch::Tensor a = torch::randn({n, n}).to(dtype), b = torch::randn({n, n}).to(dtype);
  set_blas_threads(threads);
  const Timing timing = measure([&] { torch::mm(a, b); }, settings.min_time, 5);
  const char* chosen = std::getenv("OPENBLAS_NUM_THREADS");
  set_blas_threads(chosen != nullptr ? std::max(1, std::atoi(chosen)) : 1);  // back to what configure_runtime set
  return 2.0 * n * n * n / timing.fastest_seconds / 1e9;
}

nlohmann::json to_json(const Row& row) {
  return {{"preset", row.preset}, {"task", row.task}, {"precision", row.precision}, {"batch", row.batch},
          {"median_seconds", row.timing.median_seconds}, {"iterations", row.timing.iterations},
          {"items_per_second", row.items_per_second}, {"gflops", row.gflops}, {"peak_rss_bytes", row.peak_rss},
          {"rss_before_bytes", row.rss_before}, {"rss_after_bytes", row.rss_after}};
}

int run(const Settings& settings) {
  const int threads = configure_runtime(settings.threads);
  nlohmann::json report;
  report["implementation"] = "diffuse";
  report["threads"] = threads;
  report["ddim_steps"] = settings.ddim_steps;
  report["hardware_threads"] = std::thread::hardware_concurrency();
  std::printf("diffuse throughput: %d threads; median of repeats; GFLOP/s from the analytic FLOP count\n", threads);
  const double ceiling_fp32 = settings.ceiling ? matmul_gflops(torch::kFloat32, threads, settings) : 0.0;
  const double ceiling_bf16 =
      settings.ceiling && wanted(settings.precisions, "bf16") ? matmul_gflops(torch::kBFloat16, threads, settings) : 0.0;
  report["matmul_gflops"] = {{"fp32", ceiling_fp32}, {"bf16", ceiling_bf16}};
  report["cpu_has_bfloat16_units"] = cpu_has_bfloat16_units();
  if (wanted(settings.precisions, "bf16") && !cpu_has_bfloat16_units()) {
    std::printf("note: %s\n", precision_warning(Precision::kBFloat16, torch::kCPU).c_str());
  }
  if (settings.ceiling) {
    std::printf("matmul ceiling (fastest 2048^3): fp32 %.0f GFLOP/s", ceiling_fp32);
    if (ceiling_bf16 > 0) std::printf(", bf16 %.0f GFLOP/s", ceiling_bf16);
    std::printf("\n\n");
  }
  std::printf("%-12s %-6s %-5s %6s %12s %6s %14s %9s %8s %9s\n", "preset", "task", "prec", "batch", "median", "reps",
              "throughput", "GFLOP/s", "ceiling", "peak RSS");
  for (const std::string& preset : settings.presets) {
    const RunConfig config = preset_config(preset);
    nlohmann::json model;
    model_config_to_json(model, config.model);
    report["models"][preset] = {{"model", model},
                                {"forward_flops", forward_flops(config.model)},
                                {"learning_rate", config.training.learning_rate},
                                {"ema_decay", config.training.ema_decay},
                                {"grad_clip", config.training.grad_clip},
                                {"random_flip", config.data.random_flip},
                                {"num_timesteps", config.schedule.num_timesteps}};
    for (const std::string& name : settings.precisions) {
      const Precision precision = precision_from_string(name);
      if (wanted(settings.tasks, "soak")) report["soak"].push_back(memory_soak(preset, precision, settings));
      for (const Row& row : bench_preset(preset, precision, settings)) {
        const double ceiling = precision == Precision::kBFloat16 ? ceiling_bf16 : ceiling_fp32;  // 0: not measured
        const char* unit = row.task == "train" ? "img/s" : row.task == "eval" ? "eval/s" : "smp/s";
        std::printf("%-12s %-6s %-5s %6lld %10.2f ms %6lld %8.1f %-6s %8.1f %7.0f%% %6s MB\n", row.preset.c_str(),
                    row.task.c_str(), row.precision.c_str(), static_cast<long long>(row.batch),
                    row.timing.median_seconds * 1e3, static_cast<long long>(row.timing.iterations),
                    row.items_per_second, unit, row.gflops, ceiling > 0 ? 100.0 * row.gflops / ceiling : 0.0,
                    megabytes(row.peak_rss).c_str());
        std::fflush(stdout);
        report["rows"].push_back(to_json(row));
      }
    }
  }
  if (!settings.json_path.empty()) write_file_atomically(settings.json_path, report.dump(2) + "\n");
  return 0;
}

}  // namespace
}  // namespace diffuse::bench

int main(int argc, char** argv) {
  diffuse::bench::Settings settings;
  CLI::App app{"Training and sampling throughput of the Diffuse U-Net presets"};
  app.add_option("--presets", settings.presets, "presets to time")->delimiter(',');
  app.add_option("--tasks", settings.tasks,
                 "train, eval (one network evaluation), ddim (a whole sample), soak (memory over a long run)")
      ->delimiter(',')
      ->check(CLI::IsMember({"train", "eval", "ddim", "soak"}));
  app.add_option("--train-batches", settings.train_batches, "batch sizes of the training step")->delimiter(',');
  app.add_option("--eval-batches", settings.eval_batches, "batch sizes of one network evaluation")->delimiter(',');
  app.add_option("--ddim-samples", settings.ddim_samples, "images in the whole DDIM sample")->check(CLI::PositiveNumber);
  app.add_option("--ddim-steps", settings.ddim_steps, "steps of the whole DDIM sample")->check(CLI::PositiveNumber);
  app.add_option("--soak-steps", settings.soak_steps, "soak: training steps, then evaluations")
      ->check(CLI::PositiveNumber);
  app.add_option("--precision", settings.precisions, "fp32, bf16 (default: fp32, and bf16 on CPUs with bf16 units)")->delimiter(',')->check(CLI::IsMember({"fp32", "bf16"}));
  app.add_option("--min-time", settings.min_time, "seconds of repeats per row")->check(CLI::NonNegativeNumber);
  app.add_option("--min-iterations", settings.min_iterations, "repeats per row at least")->check(CLI::PositiveNumber);
  app.add_option("--threads", settings.threads, "intra-op threads (default: all cores)");
  app.add_option("--json", settings.json_path, "write the results here");
  app.add_flag("!--no-ceiling", settings.ceiling, "skip the matmul ceiling");
  CLI11_PARSE(app, argc, argv);
  if (settings.precisions.empty()) {
    settings.precisions = {"fp32"};
    if (diffuse::cpu_has_bfloat16_units()) settings.precisions.push_back("bf16");
  }
  try {
    for (const std::string& preset : settings.presets) diffuse::preset_config(preset);  // unknown names fail first
    return diffuse::bench::run(settings);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "diffuse_bench: error: %s\n", e.what());
    return 1;
  }
}
