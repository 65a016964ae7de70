// libFuzzer target: the safetensors reader (header JSON, dtypes, shapes,
// byte ranges, overlaps, the checksum).
#include "diffuse/io/safetensors.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return diffuse::fuzz::parse_or_refuse(data, size, [](const std::vector<std::uint8_t>& bytes) {
    diffuse::parse_safetensors(bytes, diffuse::fuzz::kSource);
  });
}
