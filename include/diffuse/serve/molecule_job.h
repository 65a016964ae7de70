#pragma once

#include "diffuse/serve/job_queue.h"
#include "diffuse/serve/job_request.h"
#include "diffuse/trained_model.h"

namespace diffuse {

// A job of `diffuse serve` on a molecule run (an EGNN trained on QM9): num
// molecules, each of `atoms` atoms or of a count drawn from the training
// data's histogram, with the request's sampler, steps, seed and temperature.
// The result is an SDF with bonds (RDKit), the summary EDM's scores
// (atom_stability, molecule_stability, validity, uniqueness, connected), the
// preview a grid of 2-D depictions.
JobResult run_molecule_job(const TrainedModel& model, const JobRequest& request, JobProgress& progress);

// The most atoms a molecule of the run may have (Error for a run that is not a molecule run).
int64_t max_molecule_atoms(const RunConfig& config);

}  // namespace diffuse
