#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diffuse/run_config.h"

namespace diffuse {

// A run directory `diffuse serve` offers.
struct ServedRun {
  std::string name;  // its path under the runs directory: "mnist-small", "models/maze2d-umaze"
  std::string path;  // on disk
  std::string kind;  // "image", "points", "molecules" or "plan"
  RunConfig config;
  std::string preview;  // the newest preview grid (samples/step_*.png), empty when none

  nlohmann::json to_json() const;  // what GET /api/runs lists
};

// The run directories under a root: its sub-directories, and theirs, that
// hold a config.json and weights. A client names a run only by a name from
// this list, so no request can reach a path outside the root (no "..", no
// absolute paths, no links followed out of it).
class RunCatalog {
 public:
  explicit RunCatalog(std::string root);

  const std::string& root() const { return root_; }
  // Read afresh on each call: runs that appear or finish training show up.
  std::vector<ServedRun> list() const;
  // The run of that name; nullopt when the catalogue has none.
  std::optional<ServedRun> find(const std::string& name) const;

 private:
  std::string root_;
};

}  // namespace diffuse
