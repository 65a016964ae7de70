#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/planning/maze.h"

namespace diffuse {

// A Maze2D dataset as D4RL generates it (scripts/generation/
// generate_maze2d_datasets.py): one continuous stream of the waypoint
// controller steering the point mass to a goal, a new random goal (a reset
// cell plus U(-0.1, 0.1)) each time it arrives or after the task's episode
// steps. Row k holds the state, the action taken in it and the goal then.
//
// File format: safetensors (io/safetensors.h; Python's
// safetensors.torch.load_file reads it) with float32 tensors
// "observations" [N, 4] (x, y, vx, vy), "actions" [N, 2], "goals" [N, 2] and
// uint8 "goal_reached" [N] (1 on the step the controller arrived), and
// metadata format = "diffuse-maze2d-v1", env, seed, action_noise.
struct MazeDataset {
  std::string env;
  std::uint64_t seed = 0;
  double action_noise = 0.0;
  torch::Tensor observations, actions, goals, goal_reached;

  int64_t size() const { return observations.defined() ? observations.size(0) : 0; }
  // The stream cut into D4RL's episodes, where the goal changes: [begin,
  // end) row ranges, in order. (Diffuser trains on other cuts:
  // goal_paths in maze_trajectories.h.)
  std::vector<std::pair<int64_t, int64_t>> episodes() const;
};

struct MazeCollectOptions {
  int64_t steps = 1000000;
  std::uint64_t seed = 0;
  double action_noise = 0.0;  // N(0, s^2) added to each action before clipping (D4RL's --noisy: 0.5)
  std::function<void(int64_t done, int64_t total)> on_progress;
};

MazeDataset collect_maze_dataset(const MazeTask& task, const MazeCollectOptions& options);

void save_maze_dataset(const std::string& path, const MazeDataset& dataset);
// Throws Error naming the file when it is not a Maze2D dataset: missing or
// misshapen tensors, non-finite values, an unknown environment.
MazeDataset load_maze_dataset(const std::string& path);

}  // namespace diffuse
