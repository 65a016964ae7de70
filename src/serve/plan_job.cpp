#include "diffuse/serve/plan_job.h"

#include <memory>

#include <torch/torch.h>

#include "diffuse/io/image.h"
#include "diffuse/planning/diffuser_planner.h"
#include "diffuse/planning/maze.h"
#include "diffuse/planning/maze_episodes.h"
#include "diffuse/planning/maze_picture.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// The planner's policy, reporting each step of the episode and stopping it when the job is cancelled.
class ReportingPolicy final : public MazePolicy {
 public:
  ReportingPolicy(MazePolicy& inner, JobProgress& progress, int64_t before, int64_t total)
      : inner_(inner), progress_(progress), before_(before), total_(total) {}
  void begin_episode(const PointMaze::State& state, const std::array<double, 2>& target) override {
    inner_.begin_episode(state, target);
  }
  PointMaze::Action act(const PointMaze::State& state, int64_t t) override {
    if (progress_.cancelled()) throw JobCancelled();
    progress_.set_progress(before_ + t, total_);
    return inner_.act(state, t);
  }
  int64_t plans() const override { return inner_.plans(); }

 private:
  MazePolicy& inner_;
  JobProgress& progress_;
  int64_t before_, total_;  // steps of the job's earlier episodes, and of all
};

std::vector<std::array<double, 2>> positions(const torch::Tensor& observations) {
  const torch::Tensor xy = observations.slice(1, 0, 2).to(torch::kFloat64).contiguous();
  const auto rows = xy.accessor<double, 2>();
  std::vector<std::array<double, 2>> out;
  for (int64_t i = 0; i < xy.size(0); ++i) out.push_back({rows[i][0], rows[i][1]});
  return out;
}

nlohmann::json points_json(const std::vector<std::array<double, 2>>& points) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [x, y] : points) out.push_back({x, y});
  return out;
}

}  // namespace

const MazeTask& planner_maze(const RunConfig& config) {
  const std::string maze = preset_maze(config.preset);
  check(!is_low_level_preset(config.preset),
        "the run is a low level (" + config.preset + "): it fills a sparse planner's segments and plans nothing alone");
  if (!maze.empty()) return maze_task(maze);
  throw Error("the run's preset (\"" + config.preset + "\") names no maze; plan with `diffuse plan eval --env`");
}

JobResult run_plan_job(const TrainedModel& model, const JobRequest& request, JobProgress& progress) {
  const MazeTask& task = planner_maze(model.config);
  const MazeLayout layout = MazeLayout::parse(task.layout);
  PlannerOptions options;
  options.sampler = request.sampler;
  options.steps = request.steps;
  options.seed = request.seed;
  options.sampler_options.temperature = request.temperature;
  DiffuserPlanner planner(model, options);
  nlohmann::json episodes = nlohmann::json::array();
  double total_return = 0.0;
  int64_t reached = 0;
  torch::NoGradGuard no_grad;
  for (int64_t k = 0; k < request.num; ++k) {
    // Episode k: D4RL's reset distribution (and random goal) drawn from seed + k.
    DiffuserPolicy diffuser(planner, request.replan);
    ReportingPolicy policy(diffuser, progress, k * task.episode_steps, request.num * task.episode_steps);
    MazeEpisodeOptions episode_options;
    episode_options.episodes = 1;
    episode_options.seed = request.seed + static_cast<std::uint64_t>(k);
    episode_options.random_goal = request.goal == "random";
    MazeEpisode episode;
    const MazeEvaluation evaluation = evaluate_maze_policy(task, policy, episode_options, &episode);
    const std::vector<std::array<double, 2>> plan = positions(diffuser.first_plan().observations);
    total_return += episode.episode_return;
    reached += evaluation.success_rate > 0.0 ? 1 : 0;
    nlohmann::json record = {{"seed", episode_options.seed},
                             {"goal", {episode.goal[0], episode.goal[1]}},
                             {"plan", points_json(plan)},
                             {"path", points_json(episode.path)},
                             {"return", episode.episode_return}};
    // A sparse planner's own rows, through which "plan" runs.
    if (diffuser.first_plan().subgoals.defined()) record["subgoals"] = points_json(positions(diffuser.first_plan().subgoals));
    episodes.push_back(std::move(record));
    if (k == 0) {  // the picture: the first episode
      const Canvas picture = draw_maze_path(layout, episode.path, episode.goal,
                                            task.name + ", seed " + std::to_string(episode_options.seed) +
                                                ": return " + std::to_string(static_cast<int64_t>(episode.episode_return)),
                                            plan);
      progress.set_preview(encode_png(picture));
    }
  }
  progress.set_progress(request.num * task.episode_steps, request.num * task.episode_steps);
  const double mean_return = total_return / static_cast<double>(request.num);
  JobResult result;
  result.content_type = "application/json";
  result.body = nlohmann::json{{"env", task.name}, {"maze", layout.lines()}, {"episodes", episodes}}.dump();
  result.file_name = "plans.json";
  result.summary = {{"env", task.name},
                    {"episodes", request.num},
                    {"mean_return", mean_return},
                    {"normalized_score", normalized_score(task, mean_return)},
                    {"success_rate", static_cast<double>(reached) / static_cast<double>(request.num)},
                    {"plans", planner.plans()}};
  return result;
}

}  // namespace diffuse
