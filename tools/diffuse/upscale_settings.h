#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>
#include <torch/types.h>

#include "diffuse/apps/upscale_photo.h"

namespace diffuse::cli {

// Registers --sampler, --steps, --strength (the method's own options; the
// caller registers --method or --methods and --seed).
void add_upscale_settings_options(CLI::App& command, UpscaleSettings& settings);

// Throws Error naming the first of --sampler, --strength given to `command`
// although no method in `methods` samples.
void check_sample_only_options(const CLI::App& command, const std::vector<std::string>& methods);

}  // namespace diffuse::cli
