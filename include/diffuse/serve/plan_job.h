#pragma once

#include "diffuse/planning/maze.h"
#include "diffuse/serve/job_queue.h"
#include "diffuse/serve/job_request.h"
#include "diffuse/trained_model.h"

namespace diffuse {

// A job of `diffuse serve` on a planner (a run of a maze2d preset): `num`
// episodes of the run's maze on MuJoCo, episode k from D4RL's reset
// distribution drawn from seed + k, to D4RL's goal or a random one, planned
// by Diffuser with the request's sampler and steps, executed by its tracking
// controller, replanning every `replan` steps when asked. The result is JSON:
// the maze's rows and, per episode, its goal, first plan and executed path;
// the summary the mean return, normalised score and success rate; the
// preview the picture of the first episode.
JobResult run_plan_job(const TrainedModel& model, const JobRequest& request, JobProgress& progress);

// The maze the run plans in (its preset's): Error for a run of another preset.
const MazeTask& planner_maze(const RunConfig& config);

}  // namespace diffuse
