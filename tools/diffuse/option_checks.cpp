#include "option_checks.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <random>
#include <string>

namespace diffuse::cli {
namespace {

// The whole text as a finite number, or nothing.
std::optional<double> as_number(const std::string& text) {
  size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<int64_t> as_whole_number(const std::string& text) {
  size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size()) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::string shown(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string not_this(const std::string& expected, const std::string& text) {
  return "expected " + expected + ", not '" + text + "'";
}

}  // namespace

CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& text) {
        const std::optional<double> value = as_number(text);
        return value && *value > 0.0 ? std::string() : not_this("a positive number", text);
      },
      "POSITIVE");
}

CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& text) {
        const std::optional<double> value = as_number(text);
        return value && *value >= 0.0 ? std::string() : not_this("a number >= 0", text);
      },
      "NONNEGATIVE");
}

CLI::Validator number_in(double low, double high) {
  const std::string range = shown(low) + " to " + shown(high);
  return CLI::Validator(
      [low, high, range](std::string& text) {
        const std::optional<double> value = as_number(text);
        return value && *value >= low && *value <= high ? std::string() : not_this("a number from " + range, text);
      },
      "in " + range);
}

CLI::Validator whole_number_in(int64_t low, int64_t high) {
  const std::string range = std::to_string(low) + " to " + std::to_string(high);
  return CLI::Validator(
      [low, high, range](std::string& text) {
        const std::optional<int64_t> value = as_whole_number(text);
        return value && *value >= low && *value <= high ? std::string()
                                                        : not_this("a whole number from " + range, text);
      },
      "in " + range);
}

CLI::Option* add_seed_option(CLI::App& command, std::uint64_t& seed, const std::string& help) {
  const std::string default_text = std::to_string(seed);
  CLI::Option* option = command.add_option_function<std::string>(
      "--seed",
      [&seed](const std::string& text) {
        if (text == "-1") {
          std::random_device device;
          seed = ((static_cast<std::uint64_t>(device()) << 32) | device()) & kMaxSeed;
          std::fprintf(stderr, "seed: %llu (--seed -1)\n", static_cast<unsigned long long>(seed));
          return;
        }
        const std::optional<int64_t> value = as_whole_number(text);
        if (!value || *value < 0 || static_cast<std::uint64_t>(*value) > kMaxSeed) {
          throw CLI::ValidationError("--seed", "expected a whole number from 0 to " + std::to_string(kMaxSeed) +
                                                   ", or -1 for a random one, not '" + text + "'");
        }
        seed = static_cast<std::uint64_t>(*value);
      },
      help + " (-1: a random seed, printed)");
  option->default_str(default_text);
  return option;
}

}  // namespace diffuse::cli
