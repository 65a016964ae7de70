#include "diffuse/serve/run_catalog.h"

#include <algorithm>
#include <filesystem>

#include "diffuse/data/data_spec.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace fs = std::filesystem;

namespace {

std::string kind_of(const RunConfig& config) {
  if (is_molecule_data(config.data.spec)) return "molecules";
  if (is_trajectory_data(config.data.spec)) return "plan";
  return config.model->sample_shape().size() == 3 ? "image" : "points";
}

// A run directory with readable weights and configuration, or nullopt.
std::optional<ServedRun> open_run(const fs::path& directory, const std::string& name) {
  std::error_code error;
  auto plain_file = [&error](const fs::path& path) {
    return fs::symlink_status(path, error).type() == fs::file_type::regular;
  };
  // Shipped runs may link their weights; config.json must be a plain file (it is read for every listing).
  if (!plain_file(directory / "config.json")) return std::nullopt;
  if (!fs::is_regular_file(directory / "ema.safetensors", error) &&
      !fs::is_regular_file(directory / "model.safetensors", error)) {
    return std::nullopt;
  }
  ServedRun run;
  try {
    run.config = read_run_config((directory / "config.json").string());
  } catch (const Error&) {
    return std::nullopt;  // a damaged or foreign config.json: not a run to offer
  }
  run.name = name;
  run.path = directory.string();
  run.kind = kind_of(run.config);
  std::vector<std::string> previews;
  // Plain files in a plain directory only: no link can point a preview
  // outside the runs, and no FIFO can block the reader.
  const fs::path samples = directory / "samples";
  if (fs::symlink_status(samples, error).type() == fs::file_type::directory) {
    for (fs::directory_iterator it(samples, error), end; !error && it != end; it.increment(error)) {
      const std::string file = it->path().filename().string();
      std::error_code kind_error;
      if (file.rfind("step_", 0) == 0 && it->path().extension() == ".png" &&
          fs::symlink_status(it->path(), kind_error).type() == fs::file_type::regular) {
        previews.push_back(it->path().string());
      }
    }
  }
  if (!previews.empty()) run.preview = *std::max_element(previews.begin(), previews.end());
  return run;
}

}  // namespace

nlohmann::json ServedRun::to_json() const {
  const nlohmann::json model = run_config_to_json(config)["model"];
  nlohmann::json j = {{"name", name},
                      {"kind", kind},
                      {"preset", config.preset},
                      {"model", model},
                      {"data", config.data.spec},
                      {"timesteps", config.schedule.num_timesteps},
                      {"prediction", to_string(config.prediction)},
                      {"classes", config.data.class_names},
                      {"preview", preview.empty() ? nlohmann::json(nullptr)
                                                  : nlohmann::json("/api/runs/" + name + "/preview")}};
  return j;
}

RunCatalog::RunCatalog(std::string root) : root_(std::move(root)) {
  std::error_code error;
  check(fs::is_directory(root_, error), "--runs " + root_ + ": not a directory");
}

std::vector<ServedRun> RunCatalog::list() const {
  std::vector<ServedRun> runs;
  std::error_code error;
  const fs::path root(root_);
  // Two levels: runs/NAME and runs/GROUP/NAME. Links are not followed, so
  // nothing outside the root is offered.
  for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    if (!it->is_directory(error) || it->is_symlink(error)) continue;
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (auto run = open_run(it->path(), name)) {
      runs.push_back(std::move(*run));
      continue;
    }
    std::error_code inner_error;
    for (fs::directory_iterator inner(it->path(), inner_error), inner_end; !inner_error && inner != inner_end;
         inner.increment(inner_error)) {
      if (!inner->is_directory(inner_error) || inner->is_symlink(inner_error)) continue;
      const std::string child = inner->path().filename().string();
      if (child.empty() || child[0] == '.') continue;
      if (auto run = open_run(inner->path(), name + "/" + child)) runs.push_back(std::move(*run));
    }
  }
  std::sort(runs.begin(), runs.end(), [](const ServedRun& a, const ServedRun& b) { return a.name < b.name; });
  return runs;
}

std::optional<ServedRun> RunCatalog::find(const std::string& name) const {
  for (ServedRun& run : list()) {
    if (run.name == name) return std::move(run);
  }
  return std::nullopt;
}

}  // namespace diffuse
