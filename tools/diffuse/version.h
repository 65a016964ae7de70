#pragma once

#include <string>

namespace diffuse::cli {

// What `diffuse --version` prints: Diffuse's version, the libtorch it runs
// on, the CPU features libtorch's kernels use, the hardware threads, and CUDA.
std::string version_text();
// Diffuse's version alone ("0.1.0").
std::string version_number();

}  // namespace diffuse::cli
