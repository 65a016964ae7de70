#pragma once

#include <string>

#include <torch/types.h>

namespace diffuse::testing {

// A fresh empty directory under the system temp dir, removed at exit.
std::string temporary_directory(const std::string& name);

// Where ../shared/data is (DIFFUSE_SHARED_DATA at build time, or the
// DIFFUSE_SHARED_DATA environment variable).
std::string shared_data_directory();

// Energy distance (Szekely & Rizzo 2013) between two point sets [N, D] in float64:
// 2 E|X - Y| - E|X - X'| - E|Y - Y'|, zero iff the distributions agree.
double energy_distance(const torch::Tensor& x, const torch::Tensor& y);

// Writes `bytes` to a file.
void write_bytes(const std::string& path, const std::string& bytes);

}  // namespace diffuse::testing
