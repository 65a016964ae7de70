#include "diffuse/planning/maze_episodes.h"

#include <chrono>
#include <cmath>
#include <random>

#include "diffuse/planning/waypoint_controller.h"
#include "diffuse/util/error.h"

namespace diffuse {

MazeBaseline maze_baseline_from_string(const std::string& name) {
  if (name == "random") return MazeBaseline::kRandom;
  if (name == "expert") return MazeBaseline::kExpert;
  throw Error("unknown policy '" + name + "': expected random or expert");
}

namespace {

// Uniform random actions in [-1, 1]^2.
class RandomPolicy : public MazePolicy {
 public:
  explicit RandomPolicy(std::uint64_t seed) : rng_(seed ^ 0x9E3779B97F4A7C15ULL) {}
  void begin_episode(const PointMaze::State&, const std::array<double, 2>&) override {}
  PointMaze::Action act(const PointMaze::State&, int64_t) override { return {uniform_(rng_), uniform_(rng_)}; }
  int64_t plans() const override { return 0; }

 private:
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uniform_{-1.0, 1.0};
};

// D4RL's waypoint controller; one plan per episode when it replans, else
// only when the target's cell changes (MazeEpisodeOptions).
class ExpertPolicy : public MazePolicy {
 public:
  ExpertPolicy(const MazeLayout& layout, std::uint64_t seed, bool replan_each_episode)
      : expert_(layout, seed ^ 0xBF58476D1CE4E5B9ULL), replan_each_episode_(replan_each_episode) {}
  void begin_episode(const PointMaze::State&, const std::array<double, 2>& target) override {
    if (replan_each_episode_) expert_.reset();
    target_ = target;
    ++episodes_;
  }
  PointMaze::Action act(const PointMaze::State& state, int64_t) override {
    return expert_.action({state[0], state[1]}, {state[2], state[3]}, target_);
  }
  int64_t plans() const override { return episodes_; }

 private:
  WaypointController expert_;
  bool replan_each_episode_;
  std::array<double, 2> target_{};
  int64_t episodes_ = 0;
};

}  // namespace

MazeEvaluation evaluate_maze_policy(const MazeTask& task, MazePolicy& policy, const MazeEpisodeOptions& options,
                                    MazeEpisode* first) {
  check(options.episodes >= 1, "maze evaluation: at least one episode");
  const MazeLayout layout = MazeLayout::parse(task.layout);
  const std::vector<std::pair<int, int>> cells = layout.reset_cells();
  PointMaze env(layout);
  // Separate streams for the resets and the random goals.
  std::mt19937_64 env_rng(options.seed), goal_rng(options.seed ^ 0x94D049BB133111EBULL);
  std::uniform_int_distribution<size_t> cell(0, cells.size() - 1);
  std::uniform_real_distribution<double> jitter(-0.1, 0.1);
  MazeEvaluation result;
  int64_t successes = 0;
  double policy_seconds = 0.0;
  const auto timed = [&policy_seconds](auto&& call) {
    const auto started = std::chrono::steady_clock::now();
    auto value = call();
    policy_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return value;
  };
  for (int64_t episode = 0; episode < options.episodes; ++episode) {
    PointMaze::State state = env.reset(env_rng);
    if (options.random_goal) {  // D4RL's set_target(): a reset cell plus U(-0.1, 0.1)
      const auto [row, col] = cells[cell(goal_rng)];
      env.set_target({row + jitter(goal_rng), col + jitter(goal_rng)});
    }
    std::vector<std::array<double, 2>>* path = episode == 0 && first != nullptr ? &first->path : nullptr;
    if (path != nullptr) {
      path->push_back({state[0], state[1]});
      first->goal = env.target();
    }
    timed([&] {
      policy.begin_episode(state, env.target());
      return 0;
    });
    double episode_return = 0.0;
    for (int64_t t = 0; t < task.episode_steps; ++t) {
      state = env.step(timed([&] { return policy.act(state, t); }));
      episode_return += env.reward(state);
      if (path != nullptr) path->push_back({state[0], state[1]});
    }
    if (path != nullptr) first->episode_return = episode_return;
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
  result.ms_per_plan = policy.plans() > 0 ? 1000.0 * policy_seconds / static_cast<double>(policy.plans()) : 0.0;
  result.plans_per_episode = static_cast<double>(policy.plans()) / n;
  return result;
}

namespace {

std::unique_ptr<MazePolicy> baseline_policy(const MazeTask& task, MazeBaseline baseline,
                                            const MazeEpisodeOptions& options) {
  if (baseline == MazeBaseline::kRandom) return std::make_unique<RandomPolicy>(options.seed);
  return std::make_unique<ExpertPolicy>(MazeLayout::parse(task.layout), options.seed, options.replan_each_episode);
}

}  // namespace

MazeEvaluation evaluate_maze_baseline(const MazeTask& task, MazeBaseline baseline, const MazeEpisodeOptions& options) {
  const std::unique_ptr<MazePolicy> policy = baseline_policy(task, baseline, options);
  return evaluate_maze_policy(task, *policy, options);
}

MazeEpisode maze_baseline_episode(const MazeTask& task, MazeBaseline baseline, const MazeEpisodeOptions& options) {
  MazeEpisodeOptions one = options;
  one.episodes = 1;
  one.on_episode = nullptr;
  const std::unique_ptr<MazePolicy> policy = baseline_policy(task, baseline, one);
  MazeEpisode episode;
  evaluate_maze_policy(task, *policy, one, &episode);
  return episode;
}

}  // namespace diffuse
