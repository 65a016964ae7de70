// diffuse bench allreduce: latency and bandwidth of the gradient all-reduce
// between the ranks of a job, and what it means for each preset's step.
#include <chrono>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "commands.h"
#include "common_options.h"
#include "local_job.h"
#include "option_checks.h"
#include "diffuse/distributed/communicator.h"
#include "diffuse/distributed/gradient_sync.h"
#include "diffuse/models/network_registry.h"
#include "diffuse/run_config.h"
#include "diffuse/util/error.h"

namespace diffuse::cli {

namespace {

struct BenchAllreduceArguments {
  std::string sizes = "4,64,1K,16K,256K,1M,4M,16M,64M";
  double seconds = 0.5;
  int nproc_per_node = 1;
  std::string json;
};

// "64K" -> 65536: a byte count with an optional K / M suffix (powers of 2).
int64_t parse_bytes(const std::string& text) {
  check(!text.empty(), "--sizes: an empty size");
  int64_t unit = 1;
  std::string digits = text;
  if (text.back() == 'K' || text.back() == 'M') {
    unit = text.back() == 'K' ? 1024 : 1024 * 1024;
    digits = text.substr(0, text.size() - 1);
  }
  const std::vector<int64_t> value = parse_int_list(digits, "--sizes");
  check(value.size() == 1 && value[0] * unit >= 4 && value[0] * unit <= (int64_t{1} << 30),
        "--sizes: '" + text + "' is not a byte count from 4 to 1G (a number with an optional K or M)");
  return value[0] * unit;
}

std::string bytes_text(double bytes) {
  char text[32];
  if (bytes >= 1024.0 * 1024.0) {
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024.0));
  } else if (bytes >= 1024.0) {
    std::snprintf(text, sizeof text, "%.1f KiB", bytes / 1024.0);
  } else {
    std::snprintf(text, sizeof text, "%.0f B", bytes);
  }
  return text;
}

// Seconds per all-reduce of `bytes` of float32: repeated for about `seconds`
// (the count decided by rank 0, so every rank makes the same calls).
double time_all_reduce(Communicator& job, int64_t bytes, double seconds) {
  std::vector<torch::Tensor> buffer{torch::ones({bytes / 4}, torch::kFloat32)};
  for (int i = 0; i < 3; ++i) job.all_reduce_sum(buffer);  // connections warm
  const auto started = std::chrono::steady_clock::now();
  job.all_reduce_sum(buffer);
  const double once = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<torch::Tensor> count{torch::full({1}, std::max<int64_t>(1, static_cast<int64_t>(seconds / std::max(once, 1e-6))),
                                               torch::kLong)};
  job.broadcast(count);
  const int64_t repeats = std::min<int64_t>(count[0].item<int64_t>(), 100000);
  const auto begun = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < repeats; ++i) job.all_reduce_sum(buffer);
  const double each = std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count() /
                      static_cast<double>(repeats);
  return job.sum(each) / job.size();  // the ranks' mean
}

void run_bench_allreduce(const BenchAllreduceArguments& args) {
  std::vector<int64_t> sizes;  // checked before any rank starts
  std::string rest = args.sizes;
  for (size_t comma; !rest.empty(); rest = comma == std::string::npos ? "" : rest.substr(comma + 1)) {
    comma = rest.find(',');
    sizes.push_back(parse_bytes(rest.substr(0, comma)));
  }
  if (run_as_local_job(args.nproc_per_node, "")) return;
  const World world = world_from_environment();
  check(world.distributed(), "bench allreduce measures the communication between ranks: give --nproc-per-node 2 (or "
                             "more), or run it under torchrun");
  const std::unique_ptr<Communicator> job = connect(world);
  const bool leader = world.leader();
  // nccl-tests' convention: a ring all-reduce moves 2 (W - 1) / W of the buffer through each rank's link.
  const double bus_factor = 2.0 * (world.size - 1) / world.size;
  if (leader) {
    std::printf("all-reduce (sum) of float32 between %d ranks (Gloo, rendezvous %s:%d)\n", world.size,
                world.master_address.c_str(), world.master_port);
    std::printf("%12s %14s %16s %16s\n", "size", "latency (us)", "algbw (MB/s)", "busbw (MB/s)");
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const int64_t bytes : sizes) {
    const double seconds = time_all_reduce(*job, bytes, args.seconds);
    const double algbw = static_cast<double>(bytes) / seconds / 1e6;
    rows.push_back({{"bytes", bytes}, {"seconds", seconds}, {"algbw_mb_per_s", algbw}, {"busbw_mb_per_s", algbw * bus_factor}});
    if (leader) {
      std::printf("%12s %14.1f %16.1f %16.1f\n", bytes_text(static_cast<double>(bytes)).c_str(), seconds * 1e6, algbw,
                  algbw * bus_factor);
      std::fflush(stdout);
    }
  }
  // What one training step sends: every preset's gradient, in DDP-sized buckets.
  nlohmann::json presets = nlohmann::json::array();
  if (leader) std::printf("\ngradient all-reduce per training step (%s buckets):\n%-14s %12s %12s %14s\n",
                          bytes_text(kGradientBucketBytes).c_str(), "preset", "parameters", "bytes", "time (ms)");
  for (const std::string& name : preset_names()) {
    const RunConfig config = preset_config(name);
    const NetworkPtr network = make_network(config.model);
    int64_t parameters = 0;
    for (const auto& parameter : network->parameters()) {
      parameters += parameter.numel();
      parameter.mutable_grad() = torch::ones_like(parameter);
    }
    const auto started = std::chrono::steady_clock::now();
    constexpr int kRepeats = 5;
    for (int i = 0; i < kRepeats; ++i) sum_gradients(*job, network->parameters());
    const double seconds = job->sum(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() /
                                    kRepeats) / job->size();
    presets.push_back({{"preset", name}, {"parameters", parameters}, {"bytes", parameters * 4}, {"seconds", seconds}});
    if (leader) {
      std::printf("%-14s %12lld %12s %14.2f\n", name.c_str(), static_cast<long long>(parameters),
                  bytes_text(static_cast<double>(parameters) * 4).c_str(), seconds * 1e3);
      std::fflush(stdout);
    }
  }
  if (leader && !args.json.empty()) {
    write_json_output(args.json, {{"ranks", world.size}, {"backend", "gloo"}, {"all_reduce", rows}, {"presets", presets}});
  }
}

}  // namespace

Command add_bench_allreduce_command(CLI::App& bench) {
  auto args = std::make_shared<BenchAllreduceArguments>();
  CLI::App* command = bench.add_subcommand(
      "allreduce", "Latency and bandwidth of the all-reduce between the ranks of a job, and each preset's gradient "
                   "all-reduce per training step");
  command->add_option("--sizes", args->sizes, "buffer sizes in bytes (K, M: powers of 1024)")->capture_default_str();
  command->add_option("--seconds", args->seconds, "time spent on each size")
      ->check(number_in(0.01, 60.0))
      ->capture_default_str();
  add_nproc_per_node_option(*command, args->nproc_per_node, "measure");
  command->add_option("--json", args->json, "write the measurements as JSON");
  return {command, [args] { run_bench_allreduce(*args); }, /*outputs_together=*/false};
}

}  // namespace diffuse::cli
