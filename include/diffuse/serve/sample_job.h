#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "diffuse/serve/job_queue.h"
#include "diffuse/serve/job_request.h"
#include "diffuse/serve/run_catalog.h"
#include "diffuse/trained_model.h"

namespace diffuse {

// The error a request earns before it is queued, with its HTTP status.
struct RequestRefused : std::runtime_error {
  RequestRefused(int status, const std::string& message) : std::runtime_error(message), status(status) {}
  int status;
};

// Generation jobs on the runs of a catalogue: loads each run's EMA weights
// once (and again when its ema.safetensors changes), samples with the
// request's sampler, steps, seed, temperature, class and guidance, reports
// every network evaluation, a picture of the predicted x0 a few times a
// second, and stops at the next evaluation when cancelled. The result: a PNG
// grid for image runs, CSV for point runs (and a PNG plot: picture()).
class SampleJobRunner {
 public:
  SampleJobRunner(RunCatalog catalog, ServeLimits limits);

  // Refuses (404 unknown run, 400 otherwise) what could not run: a run of a
  // kind not served yet, num over that kind's limit, a class the run lacks,
  // an upload the restoration cannot take (decode_restoration_input).
  // Returns the run, as the catalogue has it now.
  ServedRun check(const JobRequest& request) const { return check(request, true); }
  JobResult run(const JobRequest& request, JobProgress& progress);

 private:
  // `decode_uploads` false: all but the uploads, which the restoration decodes itself when the job runs.
  ServedRun check(const JobRequest& request, bool decode_uploads) const;
  std::shared_ptr<const TrainedModel> model(const ServedRun& run);

  RunCatalog catalog_;
  ServeLimits limits_;
  std::mutex mutex_;
  struct Cached {
    std::shared_ptr<const TrainedModel> model;
    std::int64_t stamp = 0;  // ema.safetensors' modification time when loaded
  };
  std::map<std::string, Cached> models_;
};

}  // namespace diffuse
