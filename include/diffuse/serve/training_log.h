#pragma once

#include <cstddef>

#include <nlohmann/json.hpp>

#include "diffuse/serve/run_catalog.h"

namespace diffuse {

// A run's training so far, for the page's dashboard (GET
// /api/runs/NAME/training), from its metrics.jsonl:
//   {"total_steps": 10800, "step": 4200, "seconds_since_update": 12.5,
//    "last": {...the last line...}, "loss": [[step, mean loss], ...]}
// At most `max_points` loss points (evenly thinned); a log over 64 MiB, a
// link or no log at all gives an empty "loss". Lines cut short by a crash are
// skipped.
nlohmann::json training_log(const ServedRun& run, std::size_t max_points = 2000);

}  // namespace diffuse
