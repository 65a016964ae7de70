// libFuzzer target: IDX files as the MNIST loaders read them, raw or gzipped.
#include "diffuse/data/idx.h"
#include "diffuse/io/gzip.h"
#include "fuzz_target.h"

namespace {
// Far below the library's limit, so a decompression bomb is refused before
// it reaches libFuzzer's memory limit; the parsing paths are the same.
constexpr std::uint64_t kFuzzMaxGunzippedBytes = 64 << 20;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return diffuse::fuzz::parse_or_refuse(data, size, [](const std::vector<std::uint8_t>& bytes) {
    const auto source = diffuse::fuzz::kSource;
    diffuse::parse_idx_ubyte(diffuse::gunzip_if_gzipped(bytes, source, kFuzzMaxGunzippedBytes), source);
  });
}
