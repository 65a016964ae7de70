#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace diffuse {

// Decompressed size above which gunzip refuses, so a small hostile file
// cannot exhaust memory (a gzip stream can expand ~1000x).
constexpr std::uint64_t kMaxGunzippedBytes = std::uint64_t{1} << 34;

// `bytes` decompressed when they start with the gzip magic (1f 8b; several
// concatenated members are read as one stream), else `bytes` unchanged.
// Throws Error naming `source` for corrupt or truncated gzip data or output
// over `max_bytes`.
std::vector<std::uint8_t> gunzip_if_gzipped(std::vector<std::uint8_t> bytes, const std::string& source,
                                            std::uint64_t max_bytes = kMaxGunzippedBytes);

// The decompressed content of a gzip file, or the bytes of a plain file.
// Throws Error naming the file when it is missing, truncated or corrupt.
std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path);

}  // namespace diffuse
