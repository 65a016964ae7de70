#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "diffuse/denoiser.h"
#include "diffuse/guidance.h"
#include "diffuse/run_config.h"
#include "generation_record.h"

namespace diffuse::cli {

// --class and --guidance: what a class-conditional run is asked for.
struct ClassArguments {
  std::string choice;             // a class number, a class name, "all" (where allowed) or empty
  std::optional<double> guidance;  // classifier-free guidance scale S
  std::string guidance_interval;   // "LO,HI": guide only where sigma_t lies in (LO, HI]; empty: everywhere
  double guidance_parallel = 1.0;  // eta: weight of the update's part parallel to x0_cond (guidance.h)
  std::string guide_run;           // autoguidance: a weaker run of the same data guides instead of the null label
};
// Registers --class, --guidance, --guidance-interval, --guidance-parallel and --guide-run;
// `all_help` says what --class all does (empty: "all" is not offered).
void add_class_options(CLI::App& command, ClassArguments& args, const std::string& all_help);

// Registers --guidance-interval and --guidance-parallel (commands with their own --guidance use them directly).
void add_guidance_shape_options(CLI::App& command, std::string& interval, double& parallel);
// Registers --guide-run.
void add_guide_run_option(CLI::App& command, std::string& guide_run);

// The weaker model of --guide-run for autoguidance (its EMA weights), on
// `base`'s device and in its precision; null when `guide_run` is empty.
// Error naming --guide-run when it was trained on other data or classes than `config`.
std::shared_ptr<const Denoiser> load_guide(const std::string& guide_run, const Denoiser& base, const RunConfig& config);

// The checked shape of guidance from those two options. Error naming the option otherwise.
GuidanceShape parse_guidance_shape(const std::string& interval, double parallel);

// Class accuracy compares the feature classifier's classes with the run's
// labels, so both must come from the same data (mnist or fashion-mnist).
void check_classes_match_features(const RunConfig& run, const std::string& features_data_spec,
                                  const std::string& features_directory);

// The classes --class names (every class for "all"; none without --class).
// Throws Error, before any work, for --class on an unconditional run, an
// unknown class, --guidance without --class (or --guide-run), a negative
// guidance, a bad interval, or --guide-run without --guidance.
std::vector<int64_t> chosen_classes(const ClassArguments& args, const RunConfig& config);

// `base`, guided by --guidance (default 1: the plain conditional model) in
// --guidance-interval with --guidance-parallel when a class is chosen, or
// by the --guide-run model (autoguidance, with or without a class).
std::shared_ptr<const Denoiser> class_denoiser(const Denoiser& base, const ClassArguments& args, const RunConfig& config);

// "sigma in (0.3, 5], parallel 0, guided by RUN": how guidance was shaped, for titles
// (empty for guidance at every step, unprojected, by the null label).
std::string describe_guidance_shape(const GuidanceShape& shape, const std::string& guide_run);

// class, guidance, guidance_interval, guidance_parallel and guide_run, each only where given.
void add_classes_to_record(GenerationRecord& record, const ClassArguments& args);

// "class 3 (3), guidance 2, sigma in (0.3, 5], parallel 0" for titles; empty without --class
// and --guide-run.
std::string describe_classes(const ClassArguments& args, const RunConfig& config);

}  // namespace diffuse::cli
