#include "common_options.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <csignal>
#include <memory>
#include <sstream>

#include "diffuse/io/atomic_file.h"
#include "diffuse/precision.h"
#include "diffuse/util/error.h"
#include "diffuse/util/progress.h"

namespace diffuse::cli {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  if (g_stop.load()) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  g_stop_signal.store(signal);
  g_stop.store(true);
}

}  // namespace

void add_precision_option(CLI::App& command, std::string& precision, const std::string& what) {
  command.add_option("--precision", precision,
                     what + ": fp32, or bf16 (bfloat16 autocast: 1.5-1.7x faster on CPUs with AVX512_BF16)")
      ->check(CLI::IsMember({"fp32", "bf16"}))
      ->capture_default_str()
      ->each([](const std::string& name) {
        const std::string warning = precision_warning(precision_from_string(name), torch::kCPU);
        if (!warning.empty()) std::fprintf(stderr, "diffuse: warning: %s\n", warning.c_str());
      });
}

void add_device_option(CLI::App& command, std::string& device) {
  command.add_option("--device", device, "where the network runs: cpu, cuda or cuda:N (needs a CUDA-enabled libtorch)")
      ->capture_default_str();
}

std::function<void(int64_t, int64_t)> sampling_progress(std::unique_ptr<ProgressBar>& bar, int64_t num_samples,
                                                        int64_t batch_size) {
  // The bar runs over all evaluations (its rate and ETA are the job's), and
  // counts the sampler's steps, batch by batch, as a user asked for them.
  const int64_t batches = (num_samples + batch_size - 1) / std::max<int64_t>(batch_size, 1);
  return [&bar, batches](int64_t done, int64_t total) {
    if (!bar) bar = std::make_unique<ProgressBar>("sample", total, done);  // rate from the first evaluation on
    if (batches > 1) {
      const int64_t per_batch = std::max<int64_t>(total / batches, 1);
      const int64_t batch = std::min(batches, (done - 1) / per_batch + 1);
      bar->set_counter("step " + std::to_string(done - (batch - 1) * per_batch) + "/" + std::to_string(per_batch) +
                       " of batch " + std::to_string(batch) + "/" + std::to_string(batches));
    }
    bar->update(done);
  };
}

void write_json_output(const std::string& path, const nlohmann::json& json) {
  write_file_atomically(path, json.dump(2) + "\n");
  std::printf("wrote %s\n", path.c_str());
}

GenerateResult generate_with_progress(const Denoiser& denoiser, Sampler& sampler, GenerateOptions options, bool quiet) {
  std::unique_ptr<ProgressBar> bar;
  if (!quiet) options.on_step = sampling_progress(bar, options.num_samples, options.batch_size);
  GenerateResult result = generate(denoiser, sampler, options);
  if (bar) bar->finish();
  return result;
}

int64_t default_sampler_steps(const std::string& sampler, int64_t num_timesteps) {
  return sampler == "ddpm" ? num_timesteps : std::min<int64_t>(50, num_timesteps);
}

namespace {

// A comma-separated list of values that `parse` reads whole (Error naming `what` otherwise).
template <typename T, typename Parse>
std::vector<T> parse_list(const std::string& text, const std::string& option, const std::string& what, Parse parse) {
  std::vector<T> values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    size_t used = 0;
    T value{};
    try {
      value = parse(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    check(used > 0 && used == item.size(), option + ": '" + item + "' is not " + what);
    values.push_back(value);
  }
  check(!values.empty(), option + ": expected a comma-separated list");
  return values;
}

}  // namespace

std::vector<int64_t> parse_int_list(const std::string& text, const std::string& option) {
  return parse_list<int64_t>(text, option, "an integer (expected a list like 0,50,100)",
                             [](const std::string& item, size_t* used) { return std::stoll(item, used); });
}

std::vector<double> parse_number_list(const std::string& text, const std::string& option) {
  const std::vector<double> values = parse_list<double>(
      text, option, "a number (expected a list like 0,1,1.5)",
      [](const std::string& item, size_t* used) { return std::stod(item, used); });
  for (double value : values) check(std::isfinite(value), option + ": expected finite numbers");
  return values;
}

const std::atomic<bool>& stop_requested() { return g_stop; }

int stop_signal() { return g_stop_signal.load(); }

namespace {
std::vector<std::string>& stored_command_line() {
  static std::vector<std::string> words;
  return words;
}
}  // namespace

void remember_command_line(int argc, char** argv) { stored_command_line().assign(argv, argv + argc); }

const std::vector<std::string>& command_line() { return stored_command_line(); }

void install_stop_handler() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

}  // namespace diffuse::cli
