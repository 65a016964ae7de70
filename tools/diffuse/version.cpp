#include "version.h"

#include <thread>

#include <ATen/Context.h>
#include <ATen/Version.h>
#include <torch/cuda.h>
#include <torch/version.h>

namespace diffuse::cli {
namespace {

// libtorch names the vector instructions its CPU kernels dispatch to in its
// build summary ("CPU capability usage: AVX2"); there is no other public API.
std::string cpu_capability() {
  const std::string config = at::show_config();
  const std::string key = "CPU capability usage: ";
  const size_t start = config.find(key);
  if (start == std::string::npos) return "unknown";
  const size_t end = config.find('\n', start);
  return config.substr(start + key.size(), end == std::string::npos ? std::string::npos : end - start - key.size());
}

std::string cuda() {
  if (!at::hasCUDA()) return "not built in (a CPU-only libtorch)";
  const size_t devices = torch::cuda::device_count();
  return devices == 0 ? "built in, no device found" : std::to_string(devices) + " device(s)";
}

}  // namespace

std::string version_number() { return DIFFUSE_VERSION; }

std::string version_text() {
  return std::string("diffuse ") + DIFFUSE_VERSION + "\nlibtorch " + TORCH_VERSION + "\nCPU kernels: " +
         cpu_capability() + " on " + std::to_string(std::thread::hardware_concurrency()) +
         " hardware threads\nCUDA: " + cuda();
}

}  // namespace diffuse::cli
