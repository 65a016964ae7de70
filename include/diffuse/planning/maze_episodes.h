#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "diffuse/planning/maze.h"
#include "diffuse/planning/point_maze.h"

namespace diffuse {

// The policies D4RL's reference scores were made with: uniform random
// actions (the 0 of the normalised score) and its waypoint controller (100).
enum class MazeBaseline { kRandom, kExpert };
MazeBaseline maze_baseline_from_string(const std::string& name);  // random, expert

// A controller of the point mass, episode by episode.
class MazePolicy {
 public:
  virtual ~MazePolicy() = default;
  // A new episode starts in `state` with `target` as its goal.
  virtual void begin_episode(const PointMaze::State& state, const std::array<double, 2>& target) = 0;
  // The action at step t of the episode, in `state`.
  virtual PointMaze::Action act(const PointMaze::State& state, int64_t t) = 0;
  // How many plans the policy has made so far (ms_per_plan divides by it).
  virtual int64_t plans() const = 0;
};

struct MazeEpisodeOptions {
  int64_t episodes = 100;
  std::uint64_t seed = 0;
  // D4RL's fixed goal of the task, or a new random goal each episode (a
  // reset cell plus U(-0.1, 0.1), D4RL's set_target(): Diffuser's Multi2D).
  bool random_goal = false;
  // D4RL's reference script keeps one controller over all episodes, and it
  // plans only when the target's cell changes: with a fixed goal, every later
  // episode steers for the first episode's last waypoint (the goal) in a
  // straight line and often stays stuck on a wall. That is the expert of the
  // reference returns, reproduced by default; true plans the path again at
  // every episode's start (a far stronger expert: 221 / 425 / 529 mean
  // return against 162 / 277 / 274 in umaze / medium / large).
  bool replan_each_episode = false;
  std::function<void(int64_t done, int64_t total)> on_episode;
};

struct MazeEvaluation {
  std::vector<double> returns;   // per episode: the steps within 0.5 of the goal
  double mean_return = 0.0, standard_error = 0.0;
  double normalized_score = 0.0, normalized_standard_error = 0.0;
  double success_rate = 0.0;     // episodes that reach the goal (within 0.5) at least once
  double ms_per_plan = 0.0;      // mean milliseconds the policy spends per plan
  double plans_per_episode = 0.0;  // plans made, replans included, per episode
};

// The first episode of an evaluation: its positions [x, y] (the reset
// state, then the state after every step), its goal and its return.
struct MazeEpisode {
  std::vector<std::array<double, 2>> path;
  std::array<double, 2> goal{};
  double episode_return = 0.0;
};

// Runs `policy` for options.episodes episodes of task.episode_steps steps
// from D4RL's reset distribution, on MuJoCo; the first episode goes to
// `first` when given.
MazeEvaluation evaluate_maze_policy(const MazeTask& task, MazePolicy& policy, const MazeEpisodeOptions& options,
                                    MazeEpisode* first = nullptr);

// Runs the baseline for options.episodes episodes of task.episode_steps steps
// from D4RL's reset distribution, on MuJoCo.
MazeEvaluation evaluate_maze_baseline(const MazeTask& task, MazeBaseline baseline, const MazeEpisodeOptions& options);

// The first episode evaluate_maze_baseline runs with these options.
MazeEpisode maze_baseline_episode(const MazeTask& task, MazeBaseline baseline, const MazeEpisodeOptions& options);

}  // namespace diffuse
