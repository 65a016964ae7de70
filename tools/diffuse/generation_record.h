#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "diffuse/io/png_text.h"

namespace diffuse::cli {

// The parameters an output was made with (run, sampler, steps, seed,
// temperature, guidance, ...), in the order added: the text chunks of every
// PNG a command writes, and the JSON of `sample --json`. It starts with the
// software and the command.
class GenerationRecord {
 public:
  explicit GenerationRecord(const std::string& command);

  GenerationRecord& add(const std::string& key, const std::string& value);
  GenerationRecord& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
  template <typename Number, typename = std::enable_if_t<std::is_arithmetic_v<Number>>>
  GenerationRecord& add(const std::string& key, Number value) {
    add(key, nlohmann::json(value).dump());
    numbers_.back() = true;
    return *this;
  }

  const PngText& png_text() const { return entries_; }
  // What was added as a number is a JSON number, the rest strings (a run
  // named 123 stays "123").
  nlohmann::json to_json() const;

 private:
  PngText entries_;
  std::vector<bool> numbers_;  // whether each entry was added as a number
};

}  // namespace diffuse::cli
