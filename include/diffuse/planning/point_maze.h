#pragma once

#include <array>
#include <memory>
#include <random>
#include <string>

#include "diffuse/planning/maze.h"

namespace diffuse {

// The point mass of D4RL's Maze2D on MuJoCo (d4rl/pointmaze/maze_model.py):
// a ball of radius 0.1 (density 1000) on x/y slide joints with damping 1,
// motors of gear 100 with controls clipped to [-1, 1], timestep 0.01 (Euler),
// no gravity, walls as 1 x 1 boxes. Coordinates are the joints' (qpos): cell
// (i, j) is the point (i, j) (the body starts at (1.2, 1.2) in the world and
// walls sit at (i + 1, j + 1), as in D4RL). Observation [x, y, vx, vy].
class PointMaze {
 public:
  using State = std::array<double, 4>;
  using Action = std::array<double, 2>;
  // Seconds of one step (MuJoCo's timestep; D4RL's frame_skip is 1):
  // velocities are in units per second, so a step moves the point v * kStepSeconds.
  static constexpr double kStepSeconds = 0.01;

  explicit PointMaze(const MazeLayout& layout);
  ~PointMaze();
  PointMaze(const PointMaze&) = delete;
  PointMaze& operator=(const PointMaze&) = delete;

  // D4RL's reset: a cell of layout.reset_cells() chosen uniformly, plus
  // U(-0.1, 0.1) per coordinate; velocity N(0, 0.1^2) per coordinate.
  State reset(std::mt19937_64& rng);
  // The state set exactly (after MuJoCo's forward pass).
  State reset_to(const State& state);

  // One step of D4RL's MazeEnv.step: the action clipped to [-1, 1], the
  // velocity clipped to [-5, 5], one MuJoCo step; returns the new state.
  State step(const Action& action);
  // D4RL's sparse reward of a state: 1 within 0.5 of the target, else 0.
  double reward(const State& state) const;

  State state() const;
  const std::array<double, 2>& target() const { return target_; }
  void set_target(const std::array<double, 2>& target) { target_ = target; }
  const MazeLayout& layout() const { return layout_; }

  // The MJCF model D4RL's point_maze() builds for `layout`.
  static std::string model_xml(const MazeLayout& layout);

 private:
  MazeLayout layout_;
  struct MuJoCo;
  std::unique_ptr<MuJoCo> mujoco_;
  std::array<double, 2> target_{};
};

}  // namespace diffuse
