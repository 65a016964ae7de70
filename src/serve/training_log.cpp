#include "diffuse/serve/training_log.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace diffuse {

namespace fs = std::filesystem;

nlohmann::json training_log(const ServedRun& run, std::size_t max_points) {
  nlohmann::json log = {{"total_steps", run.config.training.steps},
                        {"step", 0},
                        {"seconds_since_update", nullptr},
                        {"last", nullptr},
                        {"loss", nlohmann::json::array()}};
  const fs::path path = fs::path(run.path) / "metrics.jsonl";
  std::error_code error;
  if (fs::symlink_status(path, error).type() != fs::file_type::regular) return log;
  constexpr std::uintmax_t kMaxBytes = 64u << 20;
  if (fs::file_size(path, error) > kMaxBytes || error) return log;
  const auto modified = fs::last_write_time(path, error);
  if (!error) {
    log["seconds_since_update"] =
        std::chrono::duration<double>(fs::file_time_type::clock::now() - modified).count();
  }
  std::vector<std::pair<int64_t, double>> points;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!entry.is_object() || !entry.contains("step") || !entry.contains("loss") || !entry["step"].is_number() ||
        !entry["loss"].is_number()) {
      continue;  // cut short by a crash, or not ours
    }
    points.emplace_back(entry["step"].get<int64_t>(), entry["loss"].get<double>());
    log["last"] = entry;
    log["step"] = entry["step"];
  }
  const std::size_t stride = points.size() > max_points ? (points.size() + max_points - 1) / max_points : 1;
  for (std::size_t i = 0; i < points.size(); i += stride) log["loss"].push_back({points[i].first, points[i].second});
  if (!points.empty() && (points.size() - 1) % stride != 0) log["loss"].push_back({points.back().first, points.back().second});
  return log;
}

}  // namespace diffuse
