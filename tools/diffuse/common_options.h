#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "diffuse/denoiser.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/util/progress.h"

namespace diffuse::cli {

// "0,50,100" -> {0, 50, 100}; throws diffuse::Error on anything else.
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& option);

// "0,1,1.5" -> {0, 1, 1.5}; throws diffuse::Error on anything else.
std::vector<double> parse_number_list(const std::string& text, const std::string& option);

// K when --steps is not given: all T steps for ancestral DDPM (the paper's
// sampler), 50 for the fast samplers (capped at T), as diffusers defaults to.
int64_t default_sampler_steps(const std::string& sampler, int64_t num_timesteps);

// Registers --precision (fp32 or bf16) for what the network computes in.
void add_precision_option(CLI::App& command, std::string& precision, const std::string& what);

// Registers --device (cpu, cuda, cuda:N) for where the network runs.
void add_device_option(CLI::App& command, std::string& device);

// An on_step callback that draws `bar` (made at the first step) over all the
// evaluations of num_samples / batch_size batches, counting the sampler's
// steps batch by batch ("step 500/1000 of batch 2/4").
std::function<void(int64_t, int64_t)> sampling_progress(std::unique_ptr<ProgressBar>& bar, int64_t num_samples,
                                                        int64_t batch_size);

// Writes `json` (indented) to `path` atomically and says so on stdout: every
// command's --json.
void write_json_output(const std::string& path, const nlohmann::json& json);

// generate() with a progress bar over the network evaluations (none when quiet).
GenerateResult generate_with_progress(const Denoiser& denoiser, Sampler& sampler, GenerateOptions options, bool quiet);

// Set by the first Ctrl-C (SIGINT) or SIGTERM once install_stop_handler() ran;
// a second Ctrl-C ends the process at once.
const std::atomic<bool>& stop_requested();
void install_stop_handler();
// The signal that set stop_requested() (SIGINT or SIGTERM), 0 before one came.
int stop_signal();

// The command line main() was given, for commands that start copies of
// themselves (train --nproc-per-node).
void remember_command_line(int argc, char** argv);
const std::vector<std::string>& command_line();

// Thrown by a command that stopped on request after saving its work: main()
// exits with 128 + signal (130 after Ctrl-C, 143 after SIGTERM), the status a
// shell reports for a process the signal ended, so `diffuse train ... &&
// diffuse sample ...` does not go on with an unfinished model.
struct Stopped {
  int signal;
};

}  // namespace diffuse::cli
