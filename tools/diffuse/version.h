#pragma once

#include <string>

namespace diffuse::cli {

// What `diffuse --version` prints: Diffuse's version, the libtorch it runs
// on, the CPU features libtorch's kernels use, the hardware threads, and CUDA.
std::string version_text();

}  // namespace diffuse::cli
