#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace diffuse {

// The decompressed content of a gzip file, or the bytes of a plain file
// (zlib reads both). Throws Error naming the file when it is missing,
// truncated or corrupt.
std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path);

}  // namespace diffuse
