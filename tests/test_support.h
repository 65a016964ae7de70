#pragma once

#include <string>

#include <torch/types.h>

namespace diffuse::testing {

// A fresh empty directory under the system temp dir, removed at exit.
std::string temporary_directory(const std::string& name);

// Where ../shared/data is (DIFFUSE_SHARED_DATA at build time, or the
// DIFFUSE_SHARED_DATA environment variable).
std::string shared_data_directory();

// A Python interpreter that can import `module` (Debian's /usr/bin/python3
// first, where python3-torch installs), or "" when there is none.
std::string python_with_module(const std::string& module);

// Writes `bytes` to a file.
void write_bytes(const std::string& path, const std::string& bytes);

// The whole file as a string.
std::string read_text(const std::string& path);

}  // namespace diffuse::testing
