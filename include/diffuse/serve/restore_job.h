#pragma once

#include <memory>

#include <torch/types.h>

#include "diffuse/serve/job_queue.h"
#include "diffuse/serve/job_request.h"
#include "diffuse/serve/run_catalog.h"
#include "diffuse/trained_model.h"

namespace diffuse {

// Restorations of an uploaded image with an image run, as jobs of `diffuse
// serve`: denoise, inpaint (RePaint), img2img (SDEdit) and upscale, the
// library's own (apps/), as the commands of the same names run them.

// The upload of a restoration, decoded for the run's model.
struct RestorationInput {
  torch::Tensor image;  // [C, H, W] in the data scale, C the model's channels (upscale: the photo's)
  torch::Tensor known;  // inpaint: [1, 1, H, W], 1 where a pixel is kept, 0 where it is generated
};

// Decodes and checks the request's image (and mask) for the run: Error, with
// a message for the client, for an unreadable or oversized image, a mask of
// another size or with nothing to fill, too many evaluations, or a task the
// run cannot do. A colour image on a grey model becomes its luma (ITU-R
// BT.601), except for upscale, which restores a colour photo's luma and keeps
// its chroma; a grey image on a colour model becomes three equal channels.
RestorationInput decode_restoration_input(const JobRequest& request, const ServedRun& run, const ServeLimits& limits);

// Runs the restoration; the result is the restored image as a PNG, the
// progress counts network evaluations, the previews show the x0 predicted so
// far (upscale: progress only), and cancellation stops at the next evaluation.
JobResult run_restoration(std::shared_ptr<const TrainedModel> model, const ServedRun& run, const JobRequest& request,
                          const ServeLimits& limits, JobProgress& progress);

}  // namespace diffuse
