#pragma once

#include <cstdint>
#include <memory>
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
  int64_t max_body_bytes = 4 << 20;       // an uploaded image travels in the body, base64
  int64_t max_image_pixels = 1024 * 1024;  // the largest image a job works on (an upscale's output)
  int64_t max_evaluations = 2000;          // network evaluations of an inpainting (steps x resamplings)
  int64_t max_molecules = 64;              // molecules per job
  int64_t max_episodes = 32;               // a planner's episodes per job
  int64_t max_plan_evaluations = 20000;    // a planning job's network evaluations (episodes x plans x steps)
};

// What a job does: generate samples, or restore an uploaded image.
enum class JobTask { kSample, kDenoise, kInpaint, kImg2Img, kUpscale };
std::string to_string(JobTask task);

// A job, as POST /api/jobs gives it (JSON):
//   {"run": "mnist-small", "num": 16, "sampler": "ddim", "steps": 50, "seed": 0,
//    "temperature": 1.0, "class": 3, "guidance": 2.0}
// Only "run" is required. A restoration of an uploaded image names its task
// and brings the image (PNG, JPEG, ...) in base64 or as a data URL:
//   {"run": "photo-grey", "task": "denoise", "image": "data:image/png;base64,...", "sigma": 25}
//   task denoise:  "sigma" (0-255 units; default: estimated), "method" (posterior, ddim, ddpm), steps, seed
//   task inpaint:  "mask" (an image of the same size, white where pixels are generated), steps,
//                  "resample" (RePaint's r), seed, temperature
//   task img2img:  "strength" (0-1, SDEdit's t0 / T), sampler, steps, seed
//   task upscale:  "scale" (2-4), "method" (posterior, sample), steps, sampler, seed
// Sampling a molecule run may fix "atoms" per molecule; a planner (plan run)
// runs "num" episodes and takes "goal" ("fixed" or "random") and "replan"
// (steps between plans).
struct JobRequest {
  std::string run;
  int64_t num = 16;
  std::string sampler = "ddim";
  int64_t steps = 50;
  std::uint64_t seed = 0;
  double temperature = 1.0;
  std::optional<int64_t> class_label;  // a class-conditional run's class
  std::optional<double> guidance;      // classifier-free guidance scale (with a class)
  bool steps_given = false;            // "steps" was in the request (else each task's default)

  JobTask task = JobTask::kSample;
  std::shared_ptr<const std::string> image;  // the uploaded image's bytes (restorations)
  std::shared_ptr<const std::string> mask;   // inpaint: white where pixels are generated
  std::optional<double> sigma;               // denoise: noise std in 0-255 units; none: estimated
  std::string method;                        // denoise: posterior, ddim, ddpm; upscale: posterior, sample
  double strength = 0.5;                     // img2img
  int64_t scale = 2;                         // upscale
  int64_t resample = 5;                      // inpaint
  std::optional<int64_t> atoms;              // molecule runs: atoms per molecule (none: drawn as in the data)
  std::string goal = "fixed";                // plan runs: D4RL's goal, or "random" (Multi2D)
  int64_t replan = 0;                        // plan runs: plan again every this many steps (0: once)
  int64_t image_bytes = 0, mask_bytes = 0;   // the uploads' sizes, kept when they are dropped

  // Frees the uploads (a finished job keeps its request, not its image).
  void drop_uploads() {
    image.reset();
    mask.reset();
  }

  // The request as a client reads it back: uploads by their size only.

  nlohmann::json to_json() const;
};

// Parses and checks a request: unknown fields, fields of another task, wrong
// types, out-of-range values, unknown samplers and methods, and uploads that
// are not base64 are an Error whose message names the field; nothing about
// the run or the image's content is checked here (the job runner does that).
JobRequest parse_job_request(const nlohmann::json& body, const ServeLimits& limits);

}  // namespace diffuse
