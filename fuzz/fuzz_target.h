#pragma once

// The contract every parser is fuzzed against: any input either parses or
// is refused with diffuse::Error (a message naming the file and the
// problem). Any other exception escapes to libFuzzer and counts as a crash,
// as do the memory errors and undefined behaviour the sanitizers report.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "diffuse/util/error.h"

namespace diffuse::fuzz {

// Inputs are named "input" in error messages.
constexpr const char* kSource = "input";

template <class Parse>
int parse_or_refuse(const std::uint8_t* data, std::size_t size, Parse parse) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  try {
    parse(bytes);
  } catch (const Error&) {
    // Refused with a clear error: the expected outcome for a malformed input.
  }
  return 0;
}

}  // namespace diffuse::fuzz
