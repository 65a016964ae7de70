#include "generation_record.h"

#include "version.h"

namespace diffuse::cli {

GenerationRecord::GenerationRecord(const std::string& command) {
  add("Software", "Diffuse " + version_number());
  add("command", command);
}

GenerationRecord& GenerationRecord::add(const std::string& key, const std::string& value) {
  entries_.emplace_back(key, value);
  numbers_.push_back(false);
  return *this;
}

nlohmann::json GenerationRecord::to_json() const {
  nlohmann::json json = nlohmann::json::object();
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto& [key, value] = entries_[i];
    json[key] = numbers_[i] ? nlohmann::json::parse(value) : nlohmann::json(value);
  }
  return json;
}

}  // namespace diffuse::cli
