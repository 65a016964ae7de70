// libFuzzer target: config.json, as `diffuse train --config` and every
// command that opens a run directory read it.
#include "diffuse/run_config.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return diffuse::fuzz::parse_or_refuse(data, size, [](const std::vector<std::uint8_t>& bytes) {
    diffuse::parse_run_config(bytes, diffuse::fuzz::kSource);
  });
}
