#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace diffuse::cli {

// A subcommand: its options registered on the app, and the action to run
// once the command line has been parsed.
struct Command {
  CLI::App* parser;
  std::function<void()> run;
  // Whether the files the command writes appear together when it succeeds and
  // not at all when it fails (StagedOutputs): every command but train, whose
  // run directory grows as it goes.
  bool outputs_together = true;
};

Command add_forward_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_sample_command(CLI::App& app);
Command add_info_command(CLI::App& app);
Command add_noise_command(CLI::App& app);
Command add_denoise_command(CLI::App& app);
Command add_upscale_command(CLI::App& app);
Command add_inpaint_command(CLI::App& app);
Command add_img2img_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
// `bench` and its subcommands, one Command each.
std::vector<Command> add_bench_commands(CLI::App& app);
// `bench denoise`, `bench guidance`, `bench restore` and `bench allreduce`, added under `bench` by add_bench_commands.
Command add_bench_denoise_command(CLI::App& bench);
Command add_bench_guidance_command(CLI::App& bench);
Command add_bench_restore_command(CLI::App& bench);
Command add_bench_allreduce_command(CLI::App& bench);
// `eval` (sample quality) and its subcommands train-features, psnr, ssim.
std::vector<Command> add_eval_commands(CLI::App& app);
// `molecules eval`.
std::vector<Command> add_molecules_commands(CLI::App& app);
// `plan eval`.
std::vector<Command> add_plan_commands(CLI::App& app);

}  // namespace diffuse::cli
