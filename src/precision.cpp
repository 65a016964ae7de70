#include "diffuse/precision.h"

#include <fstream>
#include <sstream>

#include "diffuse/util/error.h"
#include "diffuse/util/libtorch_compat.h"

namespace diffuse {

std::string to_string(Precision precision) { return precision == Precision::kBFloat16 ? "bf16" : "fp32"; }

Precision precision_from_string(const std::string& name) {
  if (name == "fp32" || name == "float32") return Precision::kFloat32;
  if (name == "bf16" || name == "bfloat16") return Precision::kBFloat16;
  throw Error("unknown precision '" + name + "': expected fp32 or bf16");
}

bool cpu_has_bfloat16_units() {
  static const bool has = [] {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
      if (line.rfind("flags", 0) != 0) continue;
      std::istringstream flags(line);
      std::string flag;
      while (flags >> flag) {
        if (flag == "avx512_bf16" || flag == "amx_bf16") return true;
      }
      return false;  // the first CPU's flags speak for all
    }
    return false;
  }();
  return has;
}

std::string precision_warning(Precision precision, torch::Device device) {
  if (precision != Precision::kBFloat16 || !device.is_cpu() || cpu_has_bfloat16_units()) return "";
  return "this CPU has no bfloat16 units (AVX512_BF16 or AMX): libtorch emulates bf16 here, which runs many times "
         "slower than fp32; use --precision fp32";
}

AutocastGuard::AutocastGuard(Precision precision, torch::Device device) {
  if (precision == Precision::kFloat32) return;
  active_ = true;
  device_type_ = device.type();
  was_enabled_ = compat::autocast_enabled(device_type_);
  previous_dtype_ = compat::autocast_dtype(device_type_);
  compat::set_autocast_dtype(device_type_, torch::kBFloat16);
  compat::set_autocast_enabled(device_type_, true);
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  // Leaving the outermost autocast region frees the bfloat16 copies of the
  // weights that autocast caches for the region's lifetime.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  compat::set_autocast_enabled(device_type_, was_enabled_);
  compat::set_autocast_dtype(device_type_, previous_dtype_);
}

}  // namespace diffuse
