#pragma once

#include <cstdint>

#include <torch/types.h>

namespace diffuse {

// The dense path through the subgoals of a sparse plan: subgoals [n, 4]
// (x, y, vx, vy; float64) `stride` steps apart, each step `step_seconds`
// long, filled in to [(n - 1) stride + 1, 4] rows, one per step, with the
// subgoals at rows 0, stride, 2 stride, ...
//
// Between two subgoals the position is the cubic Hermite curve through both
// positions with both planned velocities as its time derivatives, and the
// velocity is that curve's derivative: the path a point following the plan's
// velocities would take, smooth across subgoals, and exact for any motion
// of constant acceleration. (Hierarchical Diffuser fills the segments with a
// second, dense diffusion model; this needs no second model.)
torch::Tensor subgoal_path(const torch::Tensor& subgoals, int64_t stride, double step_seconds);

}  // namespace diffuse
