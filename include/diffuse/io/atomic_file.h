#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace diffuse {

// Writes `bytes` to `path` so that a reader sees either the old file or the
// complete new one, never a half-written file: write a temporary file in the
// same directory, fsync it, rename it over `path`, fsync the directory.
// Throws Error (naming the path and the system's reason) on failure, leaving
// any previous file intact.
void write_file_atomically(const std::string& path, std::string_view bytes);

// The whole file; throws Error naming the path when it cannot be read.
std::vector<std::uint8_t> read_file_bytes(const std::string& path);

// Creates a directory and its parents; throws Error when it cannot.
void create_directories(const std::string& path);

}  // namespace diffuse
