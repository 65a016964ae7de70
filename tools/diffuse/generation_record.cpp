#include "generation_record.h"

#include "version.h"

namespace diffuse::cli {

GenerationRecord::GenerationRecord(const std::string& command) {
  add("Software", "Diffuse " + version_number());
  add("command", command);
}

GenerationRecord& GenerationRecord::add(const std::string& key, const std::string& value) {
  entries_.emplace_back(key, value);
  return *this;
}

nlohmann::json GenerationRecord::to_json() const {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [key, value] : entries_) {
    const nlohmann::json number = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
    json[key] = number.is_number() ? number : nlohmann::json(value);
  }
  return json;
}

}  // namespace diffuse::cli
