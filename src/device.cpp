#include "diffuse/device.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

torch::Device device_from_string(const std::string& name) {
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(name);
  } catch (const c10::Error&) {
    throw Error("unknown device '" + name + "': expected cpu, cuda or cuda:N");
  }
  check(device.is_cpu() || device.is_cuda(), "unknown device '" + name + "': expected cpu, cuda or cuda:N");
  if (device.is_cuda()) {
    check(torch::cuda::is_available(),
          "CUDA is unavailable: this libtorch was built without CUDA (as Debian's libtorch-dev is) or no GPU is "
          "visible. Build Diffuse against a CUDA-enabled libtorch (CMAKE_PREFIX_PATH, see README) or use --device cpu");
    const auto count = static_cast<int64_t>(torch::cuda::device_count());
    check(!device.has_index() || device.index() < count,
          "device " + name + " does not exist: " + std::to_string(count) + " CUDA device(s) visible");
  }
  return device;
}

torch::Device device_of(const torch::nn::Module& module) {
  const auto parameters = module.parameters();
  return parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
}

}  // namespace diffuse
