#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "diffuse/planning/maze.h"

namespace diffuse {

// D4RL's expert for Maze2D (d4rl/pointmaze/waypoint_controller.py): Q-value
// iteration on the maze's grid (50 sweeps, discount 0.99) gives the cells of
// a shortest path to the target's cell; each waypoint but the last is pulled
// back by U(0, 0.2) per coordinate (jitter); a PD law drives the point to the
// current waypoint: action = 10 (waypoint - position) - velocity, clipped to
// [-1, 1]. A waypoint counts as reached within 0.1 once the point moves less
// than 0.1 per step.
class WaypointController {
 public:
  WaypointController(const MazeLayout& layout, std::uint64_t seed);

  // The action at `position` and `velocity` toward `target`; the path is
  // planned again when the target's cell changes (as D4RL does).
  std::array<double, 2> action(const std::array<double, 2>& position, const std::array<double, 2>& velocity,
                               const std::array<double, 2>& target);
  // Forgets the path, so that the next action plans from where the point is
  // (a new episode).
  void reset();
  // Whether the last action() found the point at the target: within 0.1 of
  // its cell's centre and moving less than 0.1 per step (D4RL's "done").
  bool reached() const { return reached_; }

  const std::vector<std::array<double, 2>>& waypoints() const { return waypoints_; }

  // The grid path's cells from `start` to `target` (both included), by the
  // Q-values' greedy actions in D4RL's order (stay, -column, +column, -row,
  // +row). Throws Error when the target cannot be reached within 100 moves.
  std::vector<std::pair<int, int>> grid_path(std::pair<int, int> start, std::pair<int, int> target) const;

 private:
  void plan(const std::array<double, 2>& position, std::pair<int, int> target_cell);

  MazeLayout layout_;
  std::mt19937_64 rng_;
  bool planned_ = false, reached_ = false;
  std::pair<int, int> target_cell_{};
  std::array<double, 2> target_{};
  std::vector<std::array<double, 2>> waypoints_;
  size_t waypoint_ = 0;
  std::array<double, 2> previous_position_{};
};

}  // namespace diffuse
