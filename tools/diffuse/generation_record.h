#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

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
    return add(key, nlohmann::json(value).dump());
  }

  const PngText& png_text() const { return entries_; }
  // Numbers as numbers, the rest as strings.
  nlohmann::json to_json() const;

 private:
  PngText entries_;
};

}  // namespace diffuse::cli
