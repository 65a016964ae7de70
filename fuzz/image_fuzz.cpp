// libFuzzer target: image decoding (PNG, JPEG, BMP, GIF, TGA, PNM) into
// [C, H, W] tensors, in the file's own channels, grey and RGB.
#include "diffuse/io/image.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return diffuse::fuzz::parse_or_refuse(data, size, [](const std::vector<std::uint8_t>& bytes) {
    // The last byte picks the conversion, so all three paths are explored.
    constexpr std::int64_t kChannels[] = {0, 1, 3};
    const std::int64_t channels = bytes.empty() ? 0 : kChannels[bytes.back() % 3];
    diffuse::decode_image(bytes, diffuse::fuzz::kSource, channels);
  });
}
