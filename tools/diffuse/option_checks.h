#pragma once

#include <cstdint>

#include <CLI/CLI.hpp>

namespace diffuse::cli {

// Checks of option values whose errors say what was expected and what came,
// "--num: expected a whole number from 1 to 10000000, not 'ten'", where
// CLI11's own ranges print doubles to six places ("Value -5 not in range
// 0.000000 to 179769313486231570814527423731704356798070567525844996...").
CLI::Validator positive();                                 // a number > 0
CLI::Validator non_negative();                             // a number >= 0
CLI::Validator number_in(double low, double high);         // inclusive
CLI::Validator whole_number_in(int64_t low, int64_t high); // inclusive

}  // namespace diffuse::cli
