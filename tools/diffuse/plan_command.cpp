// diffuse plan eval: D4RL's Maze2D on MuJoCo, scored as D4RL scores it.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "common_options.h"
#include "option_checks.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/planning/maze.h"
#include "diffuse/planning/maze_dataset.h"
#include "diffuse/planning/maze_episodes.h"
#include "diffuse/planning/maze_picture.h"
#include "diffuse/io/image.h"
#include "diffuse/io/sample_output.h"
#include "generation_record.h"
#include "diffuse/util/error.h"
#include "diffuse/util/progress.h"

namespace diffuse::cli {

namespace {

struct PlanEvalArguments {
  std::string env = "maze2d-umaze", policy, json;
  int64_t episodes = 100;
  std::uint64_t seed = 0;
  bool expert_replans = false, quiet = false;
};

struct PlanCollectArguments {
  std::string env = "maze2d-umaze", out;
  int64_t steps = 1000000;
  std::uint64_t seed = 0;
  double action_noise = 0.0;
  bool quiet = false;
};

void run_plan_collect(const PlanCollectArguments& args) {
  check_file_destination(args.out, "--out");
  const MazeTask& task = maze_task(args.env);
  MazeCollectOptions options;
  options.steps = args.steps;
  options.seed = args.seed;
  options.action_noise = args.action_noise;
  std::unique_ptr<ProgressBar> bar;
  if (!args.quiet) {
    bar = std::make_unique<ProgressBar>("collect", args.steps);  // from the start, so its rate is right
    options.on_progress = [&bar](int64_t done, int64_t) { bar->update(done); };
  }
  const MazeDataset dataset = collect_maze_dataset(task, options);
  if (bar) bar->finish();
  save_maze_dataset(args.out, dataset);
  const auto episodes = dataset.episodes();
  std::printf("wrote %s: %lld steps of %s, %zu goals (%lld reached)\n", args.out.c_str(),
              static_cast<long long>(dataset.size()), task.name.c_str(), episodes.size(),
              static_cast<long long>(dataset.goal_reached.sum().item<int64_t>()));
}

void run_plan_show(const PlanEvalArguments& args, const std::string& out) {
  check_png_destination(out, "--out");
  const MazeTask& task = maze_task(args.env);
  check(!args.policy.empty(), "give --policy random or --policy expert");
  MazeEpisodeOptions options;
  options.seed = args.seed;
  options.replan_each_episode = args.expert_replans;
  const MazeBaseline baseline = maze_baseline_from_string(args.policy);
  const MazeEpisode episode = maze_baseline_episode(task, baseline, options);
  const std::vector<std::array<double, 2>>& path = episode.path;
  const MazeLayout layout = MazeLayout::parse(task.layout);
  const auto [goal_row, goal_col] = layout.goal();
  const auto at_goal = static_cast<int64_t>(episode.episode_return);  // steps within the goal's reward circle
  const std::string title = task.name + ", " + args.policy + " policy, seed " + std::to_string(args.seed) + ": return " +
                            std::to_string(at_goal);
  GenerationRecord record("plan show");
  record.add("env", task.name).add("policy", args.policy).add("seed", args.seed).add("return", at_goal);
  save_png(out, draw_maze_path(layout, path, {static_cast<double>(goal_row), static_cast<double>(goal_col)}, title),
           record.png_text());
  std::printf("wrote %s (%zu steps, return %lld)\n", out.c_str(), path.size() - 1, static_cast<long long>(at_goal));
}

void run_plan_eval(const PlanEvalArguments& args) {
  if (!args.json.empty()) check_file_destination(args.json, "--json");
  const MazeTask& task = maze_task(args.env);
  check(!args.policy.empty(), "give --policy random or --policy expert (planning with a trained --run comes with "
                              "the maze presets)");
  const MazeBaseline baseline = maze_baseline_from_string(args.policy);
  MazeEpisodeOptions options;
  options.episodes = args.episodes;
  options.seed = args.seed;
  options.replan_each_episode = args.expert_replans;
  std::unique_ptr<ProgressBar> bar;
  if (!args.quiet) {
    bar = std::make_unique<ProgressBar>("episodes", args.episodes);  // from the start, so its rate is right
    options.on_episode = [&bar](int64_t done, int64_t) { bar->update(done); };
  }
  const MazeEvaluation result = evaluate_maze_baseline(task, baseline, options);
  if (bar) bar->finish();
  std::printf("%s, %s policy, %lld episodes of %lld steps (seed %llu)\n", task.name.c_str(), args.policy.c_str(),
              static_cast<long long>(args.episodes), static_cast<long long>(task.episode_steps),
              static_cast<unsigned long long>(args.seed));
  std::printf("mean return       %8.2f +- %.2f  (D4RL's references: random %.2f, expert %.2f)\n", result.mean_return,
              result.standard_error, task.ref_min_score, task.ref_max_score);
  std::printf("normalized score  %8.1f +- %.1f\n", result.normalized_score, result.normalized_standard_error);
  std::printf("success rate      %8.2f\n", result.success_rate);
  if (!args.json.empty()) {
    const nlohmann::json json = {{"env", task.name},
                                 {"policy", args.policy},
                                 {"episodes", args.episodes},
                                 {"seed", args.seed},
                                 {"mean_return", result.mean_return},
                                 {"return_standard_error", result.standard_error},
                                 {"normalized_score", result.normalized_score},
                                 {"normalized_score_standard_error", result.normalized_standard_error},
                                 {"success_rate", result.success_rate},
                                 {"ms_per_plan", result.ms_per_plan},
                                 {"returns", result.returns}};
    write_json_output(args.json, json);
  }
}

}  // namespace

std::vector<Command> add_plan_commands(CLI::App& app) {
  CLI::App* plan = app.add_subcommand("plan", "Planning in D4RL's Maze2D on MuJoCo (docs/planning.md)");
  plan->require_subcommand(1);
  auto args = std::make_shared<PlanEvalArguments>();
  CLI::App* eval = plan->add_subcommand("eval", "Episodes of a policy in a maze: mean return, D4RL's normalised "
                                                "score, success rate");
  eval->add_option("--env", args->env, "maze2d-umaze, maze2d-medium or maze2d-large")->capture_default_str();
  eval->add_option("--policy", args->policy, "random (D4RL's 0) or expert (its waypoint controller, D4RL's 100)");
  eval->add_option("--episodes", args->episodes, "episodes to run")->check(whole_number_in(1, 100000))->capture_default_str();
  add_seed_option(*eval, args->seed, "seed of the resets and the policy");
  eval->add_option("--json", args->json, "also write the numbers (and each episode's return) to this JSON file");
  eval->add_flag("--expert-replans", args->expert_replans,
                 "expert: plan the path again at every episode's start (D4RL's reference expert, the default, keeps "
                 "the first episode's path: docs/planning.md)");
  eval->add_flag("--quiet", args->quiet, "no progress bar");
  auto collect_args = std::make_shared<PlanCollectArguments>();
  CLI::App* collect = plan->add_subcommand("collect", "A Maze2D dataset as D4RL makes it: its waypoint controller "
                                                      "driving to random goals in one continuous stream");
  collect->add_option("--env", collect_args->env, "maze2d-umaze, maze2d-medium or maze2d-large")->capture_default_str();
  collect->add_option("--steps", collect_args->steps, "steps to record (D4RL: 1000000, 2000000 for medium, 4000000 "
                                                      "for large)")
      ->check(whole_number_in(1, 100000000))
      ->capture_default_str();
  add_seed_option(*collect, collect_args->seed, "seed of the resets, goals and jitter");
  collect->add_option("--action-noise", collect_args->action_noise,
                      "std of Gaussian noise added to each action before clipping (D4RL's --noisy: 0.5)")
      ->check(number_in(0.0, 10.0))
      ->capture_default_str();
  collect->add_option("--out", collect_args->out, "the dataset to write (.safetensors, docs/planning.md)")->required();
  collect->add_flag("--quiet", collect_args->quiet, "no progress bar");
  auto show_args = std::make_shared<PlanEvalArguments>();
  auto show_out = std::make_shared<std::string>();
  CLI::App* show = plan->add_subcommand("show", "A picture of one episode: the maze, the path from start to end, "
                                                "the goal and its reward circle");
  show->add_option("--env", show_args->env, "maze2d-umaze, maze2d-medium or maze2d-large")->capture_default_str();
  show->add_option("--policy", show_args->policy, "random or expert")->required();
  add_seed_option(*show, show_args->seed, "seed of the reset and the policy (the first episode of plan eval's)");
  show->add_flag("--expert-replans", show_args->expert_replans, "expert: plan at the episode's start (as plan eval)");
  show->add_option("--out", *show_out, "the picture (.png)")->required();
  return {Command{eval, [args]() { run_plan_eval(*args); }},
          Command{show, [show_args, show_out]() { run_plan_show(*show_args, *show_out); }},
          Command{collect, [collect_args]() { run_plan_collect(*collect_args); }}};
}

}  // namespace diffuse::cli
