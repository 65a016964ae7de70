#include "diffuse/planning/maze_episodes.h"

#include <chrono>
#include <cmath>
#include <random>

#include "diffuse/planning/point_maze.h"
#include "diffuse/planning/waypoint_controller.h"
#include "diffuse/util/error.h"

namespace diffuse {

MazeBaseline maze_baseline_from_string(const std::string& name) {
  if (name == "random") return MazeBaseline::kRandom;
  if (name == "expert") return MazeBaseline::kExpert;
  throw Error("unknown policy '" + name + "': expected random or expert");
}

namespace {

// The episodes of evaluate_maze_baseline; the first episode's positions go to `first_path` when given.
MazeEvaluation run_baseline(const MazeTask& task, MazeBaseline baseline, const MazeEpisodeOptions& options,
                            std::vector<std::array<double, 2>>* first_path) {
  check(options.episodes >= 1, "maze evaluation: at least one episode");
  const MazeLayout layout = MazeLayout::parse(task.layout);
  PointMaze env(layout);
  // Separate streams for the environment, the random actions and the controller's jitter.
  std::mt19937_64 env_rng(options.seed), action_rng(options.seed ^ 0x9E3779B97F4A7C15ULL);
  WaypointController expert(layout, options.seed ^ 0xBF58476D1CE4E5B9ULL);
  std::uniform_real_distribution<double> uniform_action(-1.0, 1.0);
  MazeEvaluation result;
  int64_t successes = 0;
  double planning_seconds = 0.0;
  for (int64_t episode = 0; episode < options.episodes; ++episode) {
    PointMaze::State state = env.reset(env_rng);
    std::vector<std::array<double, 2>>* path = episode == 0 ? first_path : nullptr;
    if (path != nullptr) path->push_back({state[0], state[1]});
    if (options.replan_each_episode) expert.reset();
    double episode_return = 0.0;
    for (int64_t t = 0; t < task.episode_steps; ++t) {
      PointMaze::Action action{};
      if (baseline == MazeBaseline::kRandom) {
        action = {uniform_action(action_rng), uniform_action(action_rng)};
      } else {
        const auto started = std::chrono::steady_clock::now();
        action = expert.action({state[0], state[1]}, {state[2], state[3]}, env.target());
        planning_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      }
      state = env.step(action);
      episode_return += env.reward(state);
      if (path != nullptr) path->push_back({state[0], state[1]});
    }
    result.returns.push_back(episode_return);
    successes += episode_return > 0.0 ? 1 : 0;
    if (options.on_episode) options.on_episode(episode + 1, options.episodes);
  }
  const double n = static_cast<double>(result.returns.size());
  double sum = 0.0, sum_squares = 0.0;
  for (double r : result.returns) sum += r;
  result.mean_return = sum / n;
  for (double r : result.returns) sum_squares += (r - result.mean_return) * (r - result.mean_return);
  result.standard_error = n > 1 ? std::sqrt(sum_squares / (n - 1) / n) : 0.0;
  result.normalized_score = normalized_score(task, result.mean_return);
  result.normalized_standard_error = 100.0 * result.standard_error / (task.ref_max_score - task.ref_min_score);
  result.success_rate = static_cast<double>(successes) / n;
  result.ms_per_plan = 1000.0 * planning_seconds / n;
  return result;
}

}  // namespace

MazeEvaluation evaluate_maze_baseline(const MazeTask& task, MazeBaseline baseline, const MazeEpisodeOptions& options) {
  return run_baseline(task, baseline, options, nullptr);
}

MazeEpisode maze_baseline_episode(const MazeTask& task, MazeBaseline baseline, const MazeEpisodeOptions& options) {
  MazeEpisodeOptions one = options;
  one.episodes = 1;
  one.on_episode = nullptr;
  MazeEpisode episode;
  episode.episode_return = run_baseline(task, baseline, one, &episode.path).returns.front();
  return episode;
}

}  // namespace diffuse
