#pragma once

// The few libtorch APIs that changed between 1.13 (Debian's libtorch-dev) and
// 2.x (PyTorch installations, CUDA builds), behind one spelling each, so that
// Diffuse builds against either without deprecation warnings at run time.

#include <ATen/autocast_mode.h>
#include <torch/version.h>

// Module options hold c10::variant in 1.13 and std::variant later (which
// drops c10/util/variant.h).
#if __has_include(<c10/util/variant.h>)
#include <c10/util/variant.h>
#define DIFFUSE_OPTIONS_VARIANT c10
#else
#include <variant>
#define DIFFUSE_OPTIONS_VARIANT std
#endif

#define DIFFUSE_LIBTORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace diffuse::compat {

// Autocast per device type: 2.4 replaced the cpu/gpu pairs of functions with
// device-generic ones and deprecated the pairs (they print a warning per call).
inline bool autocast_enabled(c10::DeviceType device) {
#if DIFFUSE_LIBTORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(device);
#else
  return device == c10::DeviceType::CUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

inline void set_autocast_enabled(c10::DeviceType device, bool enabled) {
#if DIFFUSE_LIBTORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(device, enabled);
#else
  device == c10::DeviceType::CUDA ? at::autocast::set_enabled(enabled) : at::autocast::set_cpu_enabled(enabled);
#endif
}

inline at::ScalarType autocast_dtype(c10::DeviceType device) {
#if DIFFUSE_LIBTORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(device);
#else
  return device == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype()
                                         : at::autocast::get_autocast_cpu_dtype();
#endif
}

inline void set_autocast_dtype(c10::DeviceType device, at::ScalarType dtype) {
#if DIFFUSE_LIBTORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(device, dtype);
#else
  device == c10::DeviceType::CUDA ? at::autocast::set_autocast_gpu_dtype(dtype)
                                  : at::autocast::set_autocast_cpu_dtype(dtype);
#endif
}

}  // namespace diffuse::compat
