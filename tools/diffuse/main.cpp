// diffuse: the command-line front end of the Diffuse library.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include "commands.h"
#include "common_options.h"
#include "diffuse/runtime.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/util/error.h"
#include "option_checks.h"
#include "version.h"

namespace {

// Exit statuses (docs/cli.md): 0 done, 1 a runtime error, 2 a usage error
// (as argparse and getopt tools use it), 128 + N stopped by signal N.
constexpr int kRuntimeError = 1;
constexpr int kUsageError = 2;

std::string command_names(const CLI::App& app) {
  std::string names;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + command->get_name();
  }
  return names;
}

// The first word of the command line that is neither an option nor the
// value of --threads: what the user meant as the command.
std::string first_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0) {
      ++i;
    } else if (argv[i][0] != '-') {
      return argv[i];
    }
  }
  return "";
}

// The deepest command the parser reached ("sample", "bench denoise"), for
// pointing at its --help.
std::string parsed_command(const CLI::App& app) {
  std::string path;
  const CLI::App* at = &app;
  for (;;) {
    const std::vector<const CLI::App*> next = at->get_subcommands([](const CLI::App* c) { return c->parsed(); });
    if (next.empty()) break;
    at = next.front();
    path += " " + at->get_name();
  }
  return "diffuse" + path;
}

// One "diffuse: error:" line for what CLI11 refused, like a runtime error.
std::string usage_error(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  const std::string command = parsed_command(app);
  if (command == "diffuse") {
    const std::string word = first_word(argc, argv);
    const auto named = [&word](const CLI::App* command) { return command->check_name(word); };
    if (!word.empty() && app.get_subcommands(named).empty()) {
      return "unknown command '" + word + "'; the commands are " + command_names(app);
    }
    if (word.empty()) return "give a command: " + command_names(app) + " (diffuse --help says what each does)";
  }
  return std::string(error.what()) + " (" + command + " --help lists the options)";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Diffuse: denoising diffusion probabilistic models (Ho et al. 2020) in C++.\n"
               "Train a noise predictor, watch the forward process, sample with a temperature,\n"
               "denoise, inpaint and edit images, and score 3-D molecules."};
  app.name("diffuse");
  app.require_subcommand(1);
  // Global options may come after the command too (diffuse sample --threads 1 ...).
  app.fallthrough();
  int threads = 0;
  app.add_option("--threads", threads, "intra-op CPU threads (default: OMP_NUM_THREADS or all cores)")
      ->check(diffuse::cli::non_negative());
  app.set_version_flag("--version", [] { return diffuse::cli::version_text(); },
                       "the version of Diffuse and of libtorch, the CPU features and CUDA devices in use");
  std::vector<diffuse::cli::Command> commands{
      diffuse::cli::add_forward_command(app),
      diffuse::cli::add_train_command(app),
      diffuse::cli::add_sample_command(app),
      diffuse::cli::add_info_command(app),
      diffuse::cli::add_noise_command(app),
      diffuse::cli::add_denoise_command(app),
      diffuse::cli::add_upscale_command(app),
      diffuse::cli::add_inpaint_command(app),
      diffuse::cli::add_img2img_command(app),
      diffuse::cli::add_serve_command(app),
  };
  for (auto& command : diffuse::cli::add_bench_commands(app)) commands.push_back(std::move(command));
  for (auto& command : diffuse::cli::add_eval_commands(app)) commands.push_back(std::move(command));
  for (auto& command : diffuse::cli::add_molecules_commands(app)) commands.push_back(std::move(command));
  for (auto& command : diffuse::cli::add_plan_commands(app)) commands.push_back(std::move(command));
  diffuse::cli::remember_command_line(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "diffuse: error: %s\n", usage_error(app, e, argc, argv).c_str());
    return kUsageError;
  }
  try {
    diffuse::configure_runtime(threads);
    for (const auto& command : commands) {
      if (!command.parser->parsed()) continue;
      if (!command.outputs_together) {
        command.run();
        continue;
      }
      diffuse::StagedOutputs outputs;
      command.run();
      outputs.commit();
    }
  } catch (const diffuse::cli::Stopped& e) {
    return 128 + e.signal;
  } catch (const diffuse::Error& e) {
    std::fprintf(stderr, "diffuse: error: %s\n", e.what());
    return kRuntimeError;
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "diffuse: error: %s\n", diffuse::first_line(e).c_str());
    return kRuntimeError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "diffuse: error: %s\n", e.what());
    return kRuntimeError;
  }
  return 0;
}
