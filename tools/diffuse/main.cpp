// diffuse: the command-line front end of the Diffuse library.
#include <cstdio>
#include <exception>
#include <vector>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include "commands.h"
#include "diffuse/runtime.h"
#include "diffuse/util/error.h"

int main(int argc, char** argv) {
  CLI::App app{"Diffuse: denoising diffusion probabilistic models (Ho et al. 2020) in C++.\n"
               "Train a noise predictor, watch the forward process, sample with a temperature,\n"
               "denoise, inpaint and edit images, and score 3-D molecules."};
  app.name("diffuse");
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "intra-op CPU threads (default: OMP_NUM_THREADS or all cores)")
      ->check(CLI::NonNegativeNumber);
  std::vector<diffuse::cli::Command> commands{
      diffuse::cli::add_forward_command(app),
      diffuse::cli::add_train_command(app),
      diffuse::cli::add_sample_command(app),
      diffuse::cli::add_info_command(app),
      diffuse::cli::add_noise_command(app),
      diffuse::cli::add_denoise_command(app),
      diffuse::cli::add_inpaint_command(app),
      diffuse::cli::add_img2img_command(app),
  };
  for (auto& command : diffuse::cli::add_bench_commands(app)) commands.push_back(std::move(command));
  for (auto& command : diffuse::cli::add_eval_commands(app)) commands.push_back(std::move(command));
  for (auto& command : diffuse::cli::add_molecules_commands(app)) commands.push_back(std::move(command));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    diffuse::configure_runtime(threads);
    for (const auto& command : commands) {
      if (command.parser->parsed()) command.run();
    }
  } catch (const diffuse::Error& e) {
    std::fprintf(stderr, "diffuse: error: %s\n", e.what());
    return 1;
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "diffuse: error: %s\n", diffuse::first_line(e).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "diffuse: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
