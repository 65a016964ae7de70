#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "diffuse/data/dataset.h"
#include "diffuse/planning/maze_dataset.h"
#include "diffuse/planning/trajectory_limits.h"

namespace diffuse {

// A trajectory's columns, Diffuser's order: the action, then the observation.
constexpr int64_t kMazeActionDim = 2;
constexpr int64_t kMazeObservationDim = 4;
constexpr int64_t kMazeTransitionDim = kMazeActionDim + kMazeObservationDim;  // [ax, ay, x, y, vx, vy]

// The stream cut into paths as Diffuser's maze2d_set_terminals cuts it: a
// path ends on the step the point leaves the 0.5 circle around `goal` (the
// task's fixed goal), so each path runs from one visit of the goal to the
// next. [begin, end) row ranges; the part after the last departure is kept.
std::vector<std::pair<int64_t, int64_t>> goal_paths(const MazeDataset& data, const std::array<double, 2>& goal);

// The training data of a Diffuser planner (datasets.GoalDataset): every
// window of `horizon` consecutive steps inside one path, as [horizon, 6]
// rows [ax, ay, x, y, vx, vy] normalised by the data's limits, with the
// observation of the first and last step known (Conditioning::known): the
// planner is trained to fill in a trajectory between a start and a goal.
//
// With stride K > 1 a window is every K-th step of (horizon - 1) K + 1
// consecutive steps: the subgoals of Hierarchical Diffuser's sparse planner
// (Chen et al. 2024, sec. 3.1), which sees K times as far for the same cost.
class MazeTrajectoryDataset : public Dataset {
 public:
  // The Maze2D dataset file (plan collect's format). `limits`: empty to
  // take them from the data (a new run), else the run's own.
  MazeTrajectoryDataset(const std::string& path, int64_t horizon, TrajectoryLimits limits = {}, int64_t stride = 1);
  MazeTrajectoryDataset(const MazeDataset& data, int64_t horizon, TrajectoryLimits limits, std::string description,
                        int64_t stride = 1);

  int64_t size() const override { return static_cast<int64_t>(starts_.size()); }
  std::vector<int64_t> sample_shape() const override { return {horizon_, kMazeTransitionDim}; }
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  std::string describe() const override { return description_; }
  bool is_image() const override { return false; }
  bool bounded() const override { return true; }

  const TrajectoryLimits& limits() const { return limits_; }
  const std::string& env() const { return env_; }
  int64_t stride() const { return stride_; }

 private:
  int64_t horizon_;
  int64_t stride_;
  std::string env_;
  TrajectoryLimits limits_;
  torch::Tensor rows_;          // [N, 6] normalised
  std::vector<int64_t> starts_;  // first row of each window
  std::string description_;
};

// The known-element mask of trajectories [count, horizon, 6]: the
// observation columns of the first and the last step.
torch::Tensor start_and_goal_mask(int64_t count, int64_t horizon);

}  // namespace diffuse
