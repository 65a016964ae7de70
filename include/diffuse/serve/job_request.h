#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace diffuse {

// What a client may ask of `diffuse serve` at most: every request is checked
// against these before it is queued, so no request can make the server
// allocate or compute without bound.
struct ServeLimits {
  int64_t max_images = 64;     // samples of an image run per job
  int64_t max_points = 4096;   // samples of a point run per job
  int64_t max_steps = 1000;    // sampler steps
  int64_t max_body_bytes = 1 << 20;
};

// A generation job, as POST /api/jobs gives it (JSON):
//   {"run": "mnist-small", "num": 16, "sampler": "ddim", "steps": 50, "seed": 0,
//    "temperature": 1.0, "class": 3, "guidance": 2.0}
// Only "run" is required.
struct JobRequest {
  std::string run;
  int64_t num = 16;
  std::string sampler = "ddim";
  int64_t steps = 50;
  std::uint64_t seed = 0;
  double temperature = 1.0;
  std::optional<int64_t> class_label;  // a class-conditional run's class
  std::optional<double> guidance;      // classifier-free guidance scale (with a class)

  nlohmann::json to_json() const;
};

// Parses and checks a request: unknown fields, wrong types, out-of-range
// values (num, steps, temperature, seed, guidance) and unknown samplers are
// an Error whose message names the field; nothing about the run is checked
// here (the run catalogue does that).
JobRequest parse_job_request(const nlohmann::json& body, const ServeLimits& limits);

}  // namespace diffuse
