// diffuse plan eval: D4RL's Maze2D on MuJoCo, scored as D4RL scores it.
#include <algorithm>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "common_options.h"
#include "option_checks.h"
#include "diffuse/io/atomic_file.h"
#include "diffuse/planning/diffuser_planner.h"
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
  std::string env = "maze2d-umaze", policy, run, low_level, json, goal = "fixed", sampler = "ddpm";
  int64_t episodes = 100, steps = 0, replan_every = 0, horizon = 0;
  double replan_distance = 0.0;
  std::uint64_t seed = 0;
  bool expert_replans = false, quiet = false;
};

// The policy the arguments name: a trained planner (--run) or a baseline (--policy).
struct ChosenPolicy {
  std::string name;  // "random", "expert" or the run's directory
  std::unique_ptr<DiffuserPlanner> planner;
  std::unique_ptr<DiffuserPolicy> diffuser;
};

ChosenPolicy choose_policy(const PlanEvalArguments& args, const MazeTask& task, int64_t trajectory_frames) {
  check(args.run.empty() != args.policy.empty(), "give either --run RUN (a trained planner) or --policy random|expert");
  ChosenPolicy chosen;
  if (!args.policy.empty()) {
    maze_baseline_from_string(args.policy);  // an unknown name is an error before any work
    check(args.sampler == "ddpm" && args.steps == 0 && args.replan_every == 0 && args.replan_distance == 0.0 &&
              args.horizon == 0 && args.low_level.empty(),
          "--sampler, --steps, --replan-every, --replan-distance, --horizon and --low-level apply to a trained "
          "planner (--run)");
    chosen.name = args.policy;
    return chosen;
  }
  TrainedModel model = load_trained_model(args.run);
  check(preset_fits_maze(model.config.preset, task.name),
        args.run + " plans in " + preset_maze(model.config.preset) + ", not in " + task.name + ": give --env " +
            preset_maze(model.config.preset));
  check(!is_low_level_preset(model.config.preset),
        args.run + " is a low level (" + model.config.preset + "): give it as --low-level, with a -sparse run as --run");
  PlannerOptions options;
  options.sampler = args.sampler;
  options.steps = args.steps;
  options.seed = args.seed;
  options.trajectory_frames = trajectory_frames;
  options.horizon = args.horizon;
  chosen.name = args.run;
  chosen.planner = std::make_unique<DiffuserPlanner>(std::move(model), options);
  if (!args.low_level.empty()) {
    TrainedModel low = load_trained_model(args.low_level);
    check(preset_fits_maze(low.config.preset, task.name),
          "--low-level " + args.low_level + " is made for " + preset_maze(low.config.preset) + ", --run for " +
              task.name + ": give both of one maze");
    // Each level samples with --steps, capped at its own T.
    options.steps = std::min<int64_t>(args.steps, low.config.schedule.num_timesteps);
    options.trajectory_frames = 0;
    options.horizon = 0;  // the low level's segments span one stride
    chosen.planner->set_low_level(std::make_unique<DiffuserPlanner>(std::move(low), options));
  }
  chosen.diffuser = std::make_unique<DiffuserPolicy>(*chosen.planner, args.replan_every, args.replan_distance);
  return chosen;
}

MazeEpisodeOptions episode_options(const PlanEvalArguments& args) {
  MazeEpisodeOptions options;
  options.episodes = args.episodes;
  options.seed = args.seed;
  options.replan_each_episode = args.expert_replans;
  options.random_goal = args.goal == "random";
  return options;
}

// The options of plan eval and plan show that choose the policy and the episodes.
void add_policy_options(CLI::App& command, PlanEvalArguments& args) {
  command.add_option("--env", args.env, "maze2d-umaze, maze2d-medium or maze2d-large")->capture_default_str();
  command.add_option("--run", args.run, "a trained planner: a run directory of a maze2d preset (e.g. models/maze2d-umaze)");
  command.add_option("--low-level", args.low_level,
                     "with a sparse --run: fill the steps between its subgoals with this dense planner (a -low "
                     "preset's run; Hierarchical Diffuser's low level) instead of the Hermite path");
  command.add_option("--policy", args.policy, "instead of --run: random (D4RL's 0) or expert (its waypoint "
                                              "controller, D4RL's 100)");
  command.add_option("--goal", args.goal, "fixed (D4RL's goal) or random (a new goal each episode: Multi2D)")
      ->check(CLI::IsMember({"fixed", "random"}))
      ->capture_default_str();
  command.add_option("--sampler", args.sampler, "planner: the sampler")->check(CLI::IsMember(sampler_names()))
      ->capture_default_str();
  command.add_option("--steps", args.steps, "planner: sampling steps (0: the model's T, as Diffuser)")
      ->check(whole_number_in(0, 100000))
      ->capture_default_str();
  command.add_option("--replan-every", args.replan_every, "planner: plan again every N steps, still arriving when the "
                                                          "first plan does (0: plan once per episode, as Diffuser "
                                                          "does in Maze2D)")
      ->check(whole_number_in(0, 100000))
      ->capture_default_str();
  command.add_option("--replan-distance", args.replan_distance,
                     "planner: plan again, a full plan, when the point is farther than this from where its plan "
                     "puts it, as when the plan crosses a wall (maze units, a cell is 1; 0: never)")
      ->check(number_in(0.0, 100.0))
      ->capture_default_str();
  command.add_option("--horizon", args.horizon, "planner: steps of a plan, rounded up to a length the network makes "
                                                "(0: the horizon it was trained on; longer plans reach farther goals)")
      ->check(whole_number_in(0, 100000))
      ->capture_default_str();
  command.add_flag("--expert-replans", args.expert_replans,
                   "expert: plan the path again at every episode's start (D4RL's reference expert, the default, keeps "
                   "the first episode's path: docs/planning.md)");
}

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

std::vector<std::array<double, 2>> positions(const torch::Tensor& observations) {
  std::vector<std::array<double, 2>> points;
  const auto rows = observations.accessor<double, 2>();
  for (int64_t k = 0; k < observations.size(0); ++k) points.push_back({rows[k][0], rows[k][1]});
  return points;
}

// The executed episode over the plan, and below it the plan being denoised.
Canvas plan_picture(const MazeLayout& layout, const MazeEpisode& episode, const MazePlan& plan, int64_t plans,
                    int64_t stride, bool low_level, const std::string& title) {
  // A sparse plan shows its subgoals, the point follows the path through
  // them; with a low level, that path is the low level's, shown instead.
  const bool sparse = plan.subgoals.defined();
  const Canvas top = draw_maze_path(layout, episode.path, episode.goal, title,
                                    positions(sparse && !low_level ? plan.subgoals : plan.observations));
  const int64_t frames = plan.denoising.size(0);
  std::vector<std::vector<std::array<double, 2>>> stages;
  std::vector<std::string> labels;
  for (int64_t f = 0; f < frames; ++f) {
    stages.push_back(positions(plan.denoising[f]));
    const int64_t t = plan.denoising_timesteps[static_cast<size_t>(f)];
    labels.push_back(t < 0 ? "the plan" : "x_t, t = " + std::to_string(t));
  }
  const Canvas strip = draw_plan_denoising(layout, stages, labels, episode.goal);
  Canvas canvas(std::max(top.width() + 330, strip.width()), top.height() + strip.height() + 10, {255, 255, 255});
  canvas.blit(top, 0, 0);
  const int x = top.width() + 16;
  const std::string which = plans > 1 ? "the first of " + std::to_string(plans) + " plans, " : "the plan, ";
  const std::string steps = std::to_string(plan.observations.size(0)) + " steps";
  canvas.draw_text(x, 40, "green dots: " + which + (sparse ? "" : steps), {46, 160, 67});
  if (sparse) {
    canvas.draw_text(x, 56, std::to_string(plan.subgoals.size(0)) + " subgoals " + std::to_string(stride) +
                                " steps apart, " + (low_level ? "filled in by the low level, " : "") + steps,
                     {46, 160, 67});
  }
  const int below = sparse ? 16 : 0;
  canvas.draw_text(x, 60 + below, "line: the executed path, blue to red", {60, 60, 140});
  canvas.draw_text(x, 80 + below, "pink circle: where the reward is 1", {200, 120, 100});
  canvas.draw_text(x, 120 + below, "below: the plan's positions while it is", {40, 40, 40});
  canvas.draw_text(x, 136 + below, "denoised, from noise to the plan", {40, 40, 40});
  canvas.blit(strip, 0, top.height() + 10);
  return canvas;
}

void run_plan_show(const PlanEvalArguments& args, const std::string& out) {
  check_png_destination(out, "--out");
  const MazeTask& task = maze_task(args.env);
  MazeEpisodeOptions options = episode_options(args);
  options.episodes = 1;
  ChosenPolicy chosen = choose_policy(args, task, 7);
  MazeEpisode episode;
  if (chosen.diffuser) {
    evaluate_maze_policy(task, *chosen.diffuser, options, &episode);
  } else {
    episode = maze_baseline_episode(task, maze_baseline_from_string(args.policy), options);
  }
  const MazeLayout layout = MazeLayout::parse(task.layout);
  const auto at_goal = static_cast<int64_t>(episode.episode_return);  // steps within the goal's reward circle
  const std::string who = chosen.diffuser ? "planner" : args.policy + " policy";
  const std::string title = task.name + ", " + who + ", seed " + std::to_string(args.seed) + ": return " +
                            std::to_string(at_goal);
  GenerationRecord record("plan show");
  record.add("env", task.name).add("policy", chosen.name).add("seed", args.seed).add("goal", args.goal);
  if (chosen.diffuser) record.add("sampler", args.sampler).add("steps", chosen.planner->steps()).add("replan_every", args.replan_every)
        .add("replan_distance", args.replan_distance).add("horizon", chosen.planner->horizon());
  if (const DiffuserPlanner* low = chosen.diffuser ? chosen.planner->low_level() : nullptr) {
    record.add("low_level", args.low_level).add("low_level_steps", low->steps());
  }
  record.add("return", at_goal);
  const Canvas picture = chosen.diffuser ? plan_picture(layout, episode, chosen.diffuser->first_plan(), chosen.planner->plans(),
                                                        chosen.planner->stride(),
                                                        chosen.planner->low_level() != nullptr, title)
                                         : draw_maze_path(layout, episode.path, episode.goal, title);
  save_png(out, picture, record.png_text());
  std::printf("wrote %s (%zu steps, return %lld)\n", out.c_str(), episode.path.size() - 1,
              static_cast<long long>(at_goal));
}

void run_plan_eval(const PlanEvalArguments& args) {
  if (!args.json.empty()) check_file_destination(args.json, "--json");
  const MazeTask& task = maze_task(args.env);
  MazeEpisodeOptions options = episode_options(args);
  ChosenPolicy chosen = choose_policy(args, task, 0);
  std::unique_ptr<ProgressBar> bar;
  if (!args.quiet) {
    bar = std::make_unique<ProgressBar>("episodes", args.episodes);  // from the start, so its rate is right
    options.on_episode = [&bar](int64_t done, int64_t) { bar->update(done); };
  }
  const MazeEvaluation result = chosen.diffuser ? evaluate_maze_policy(task, *chosen.diffuser, options)
                                                : evaluate_maze_baseline(task, maze_baseline_from_string(args.policy), options);
  if (bar) bar->finish();
  std::printf("%s%s, %s, %lld episodes of %lld steps (seed %llu)\n", task.name.c_str(),
              options.random_goal ? " with random goals" : "", chosen.diffuser ? ("planner " + args.run).c_str() : (args.policy + " policy").c_str(),
              static_cast<long long>(args.episodes), static_cast<long long>(task.episode_steps),
              static_cast<unsigned long long>(args.seed));
  std::printf("mean return       %8.2f +- %.2f  (D4RL's references: random %.2f, expert %.2f)\n", result.mean_return,
              result.standard_error, task.ref_min_score, task.ref_max_score);
  std::printf("normalized score  %8.1f +- %.1f\n", result.normalized_score, result.normalized_standard_error);
  std::printf("success rate      %8.2f\n", result.success_rate);
  if (chosen.diffuser) {
    std::printf("plans per episode %8.2f\n", result.plans_per_episode);
    std::printf("ms per plan       %8.1f  (%s, %lld steps, horizon %lld)\n", result.ms_per_plan, args.sampler.c_str(),
                static_cast<long long>(chosen.planner->steps()), static_cast<long long>(chosen.planner->horizon()));
  }
  if (!args.json.empty()) {
    nlohmann::json json = {{"env", task.name},
                                 {"policy", chosen.name},
                                 {"goal", args.goal},
                                 {"episodes", args.episodes},
                                 {"seed", args.seed},
                                 {"mean_return", result.mean_return},
                                 {"return_standard_error", result.standard_error},
                                 {"normalized_score", result.normalized_score},
                                 {"normalized_score_standard_error", result.normalized_standard_error},
                                 {"success_rate", result.success_rate},
                                 {"ms_per_plan", result.ms_per_plan},
                                 {"plans_per_episode", result.plans_per_episode},
                                 {"returns", result.returns}};
    if (chosen.diffuser) {
      json["sampler"] = args.sampler;
      json["steps"] = chosen.planner->steps();
      json["replan_every"] = args.replan_every;
      json["replan_distance"] = args.replan_distance;
      json["horizon"] = chosen.planner->horizon();
      if (const DiffuserPlanner* low = chosen.planner->low_level()) {
        json["low_level"] = args.low_level;
        json["low_level_steps"] = low->steps();
      }
    }
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
  add_policy_options(*eval, *args);
  eval->add_option("--episodes", args->episodes, "episodes to run")->check(whole_number_in(1, 100000))->capture_default_str();
  add_seed_option(*eval, args->seed, "seed of the resets and the policy");
  eval->add_option("--json", args->json, "also write the numbers (and each episode's return) to this JSON file");
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
                                                "the goal and its reward circle; for a planner also its plan and the "
                                                "plan being denoised");
  add_policy_options(*show, *show_args);
  add_seed_option(*show, show_args->seed, "seed of the reset and the policy (the first episode of plan eval's)");
  show->add_option("--out", *show_out, "the picture (.png)")->required();
  return {Command{eval, [args]() { run_plan_eval(*args); }},
          Command{show, [show_args, show_out]() { run_plan_show(*show_args, *show_out); }},
          Command{collect, [collect_args]() { run_plan_collect(*collect_args); }}};
}

}  // namespace diffuse::cli
