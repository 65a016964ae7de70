#include "diffuse/planning/maze_trajectories.h"

#include <algorithm>

#include <torch/torch.h>

#include "diffuse/planning/maze.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// Diffuser's reach test: within 0.5 of the goal (maze2d_set_terminals' threshold, D4RL's reward radius).
constexpr double kGoalRadius = 0.5;

}  // namespace

std::vector<std::pair<int64_t, int64_t>> goal_paths(const MazeDataset& data, const std::array<double, 2>& goal) {
  std::vector<std::pair<int64_t, int64_t>> paths;
  const int64_t n = data.size();
  if (n == 0) return paths;
  const torch::Tensor xy = data.observations.slice(1, 0, 2).to(torch::kFloat64);
  const torch::Tensor target = torch::tensor({goal[0], goal[1]}, torch::kFloat64);
  const torch::Tensor at_goal = (xy - target).norm(2, 1).lt(kGoalRadius).to(torch::kUInt8).contiguous();
  const auto* at = at_goal.data_ptr<std::uint8_t>();
  int64_t begin = 0;
  for (int64_t k = 0; k + 1 < n; ++k) {
    if (at[k] != 0 && at[k + 1] == 0) {  // timeout at k: at the goal at k, not at k + 1
      paths.emplace_back(begin, k + 1);
      begin = k + 1;
    }
  }
  if (begin < n) paths.emplace_back(begin, n);
  return paths;
}

torch::Tensor start_and_goal_mask(int64_t count, int64_t horizon) {
  torch::Tensor known = torch::zeros({count, horizon, kMazeTransitionDim}, torch::kFloat32);
  known.select(1, 0).slice(1, kMazeActionDim).fill_(1.0f);
  known.select(1, horizon - 1).slice(1, kMazeActionDim).fill_(1.0f);
  return known;
}

MazeTrajectoryDataset::MazeTrajectoryDataset(const std::string& path, int64_t horizon, TrajectoryLimits limits,
                                             int64_t stride)
    : MazeTrajectoryDataset(load_maze_dataset(path), horizon, std::move(limits), "maze2d:" + path, stride) {}

MazeTrajectoryDataset::MazeTrajectoryDataset(const MazeDataset& data, int64_t horizon, TrajectoryLimits limits,
                                             std::string description, int64_t stride)
    : horizon_(horizon), stride_(stride), env_(data.env), limits_(std::move(limits)) {
  check(horizon >= 2, "maze trajectories: the horizon must be at least 2 steps");
  check(stride >= 1, "maze trajectories: the stride must be at least 1 step");
  const torch::Tensor raw = torch::cat({data.actions, data.observations}, 1).to(torch::kFloat64);
  if (limits_.empty()) {
    const torch::Tensor lo = std::get<0>(raw.min(0)), hi = std::get<0>(raw.max(0));
    limits_.minimum = std::vector<double>(lo.data_ptr<double>(), lo.data_ptr<double>() + kMazeTransitionDim);
    limits_.maximum = std::vector<double>(hi.data_ptr<double>(), hi.data_ptr<double>() + kMazeTransitionDim);
  }
  limits_.check_valid(kMazeTransitionDim);
  rows_ = limits_.normalize(raw).to(torch::kFloat32).contiguous();
  const auto [goal_row, goal_col] = MazeLayout::parse(maze_task(data.env).layout).goal();
  const auto paths = goal_paths(data, {static_cast<double>(goal_row), static_cast<double>(goal_col)});
  const int64_t span = (horizon - 1) * stride + 1;  // steps of the data a window covers
  int64_t longest = 0;
  for (const auto& [begin, end] : paths) {
    // SequenceDataset.make_indices without padding: starts 0 .. length - span - 1.
    for (int64_t start = begin; start < end - span; ++start) starts_.push_back(start);
    longest = std::max(longest, end - begin);
  }
  check(!starts_.empty(), description + ": no path of " + data.env + " is longer than the horizon of " +
                              std::to_string(span) + " steps (the longest has " + std::to_string(longest) +
                              "): collect more steps");
  const std::string every = stride == 1 ? "" : " (one in " + std::to_string(stride) + " of " + std::to_string(span) + ")";
  description_ = std::move(description) + " (" + std::to_string(starts_.size()) + " windows of " +
                 std::to_string(horizon) + " steps" + every + " from " + std::to_string(paths.size()) +
                 " paths of " + data.env + ", " + std::to_string(data.size()) + " steps)";
}

Batch MazeTrajectoryDataset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<int64_t> rows;
  rows.reserve(indices.size() * static_cast<size_t>(horizon_));
  for (int64_t index : indices) {
    check(index >= 0 && index < size(), "maze trajectories: window " + std::to_string(index) + " out of range");
    for (int64_t k = 0; k < horizon_; ++k) rows.push_back(starts_[static_cast<size_t>(index)] + k * stride_);
  }
  const auto count = static_cast<int64_t>(indices.size());
  Batch batch;
  batch.x0 = rows_.index_select(0, torch::tensor(rows, torch::kLong)).view({count, horizon_, kMazeTransitionDim});
  batch.conditioning.known = start_and_goal_mask(count, horizon_);
  batch.conditioning.known_values = batch.x0;
  return batch;
}

}  // namespace diffuse
