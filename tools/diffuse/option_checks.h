#pragma once

#include <cstdint>
#include <string>

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

// The largest seed: 2^53 - 1, so that a seed survives JSON and Python floats.
constexpr std::uint64_t kMaxSeed = (std::uint64_t{1} << 53) - 1;

// Registers --seed: a whole number from 0 to kMaxSeed, or -1 for a random
// seed, which is drawn when the option is read and printed to stderr
// ("seed: N") so that the result can be made again. Anything else is a usage
// error (not a silent 2^64 - 1).
CLI::Option* add_seed_option(CLI::App& command, std::uint64_t& seed, const std::string& help);

}  // namespace diffuse::cli
