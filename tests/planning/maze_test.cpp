#include "diffuse/planning/maze.h"

#include <cmath>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/safetensors.h"
#include "diffuse/planning/maze_dataset.h"
#include "diffuse/planning/maze_episodes.h"
#include "diffuse/planning/point_maze.h"
#include "diffuse/planning/waypoint_controller.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

TEST(MazeLayout, ParsesD4rlsUmazeWithItsResetCellsInD4rlsOrder) {
  const MazeLayout umaze = MazeLayout::parse(maze_task("maze2d-umaze").layout);
  EXPECT_EQ(umaze.rows(), 5);
  EXPECT_EQ(umaze.cols(), 5);
  EXPECT_TRUE(umaze.is_wall(0, 0));
  EXPECT_TRUE(umaze.is_wall(2, 1));
  EXPECT_FALSE(umaze.is_wall(2, 3));
  EXPECT_TRUE(umaze.is_wall(-1, 2));  // outside
  // Sorted free cells, then the goal (MazeEnv.empty_and_goal_locations).
  EXPECT_EQ(umaze.reset_cells(), (std::vector<std::pair<int, int>>{{1, 2}, {1, 3}, {2, 3}, {3, 1}, {3, 2}, {3, 3}, {1, 1}}));
  EXPECT_EQ(umaze.goal(), (std::pair<int, int>{1, 1}));
  EXPECT_EQ(MazeLayout::parse(maze_task("maze2d-medium").layout).reset_cells().size(), 26u);
  EXPECT_EQ(MazeLayout::parse(maze_task("maze2d-large").layout).reset_cells().size(), 46u);
  EXPECT_EQ(MazeLayout::parse(maze_task("maze2d-large").layout).goal(), (std::pair<int, int>{7, 9}));
}

TEST(MazeLayout, RefusesWhatIsNotAMaze) {
  EXPECT_THROW(MazeLayout::parse("###\\#X#\\###"), Error);
  EXPECT_THROW(MazeLayout::parse("###\\#O\\###"), Error);
  EXPECT_THROW(MazeLayout::parse("###\\#O#\\###").goal(), Error);
  try {
    maze_task("maze2d-open");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("maze2d-umaze, maze2d-medium, maze2d-large"), std::string::npos);
  }
  const MazeTask& umaze = maze_task("maze2d-umaze");
  EXPECT_DOUBLE_EQ(normalized_score(umaze, umaze.ref_min_score), 0.0);
  EXPECT_DOUBLE_EQ(normalized_score(umaze, umaze.ref_max_score), 100.0);
}

TEST(MazeTask, PresetsNameTheirMazeAndLowLevelsAreKnownAsSuch) {
  for (const std::string maze : {"maze2d-umaze", "maze2d-medium", "maze2d-large"}) {
    for (const std::string suffix : {"", "-sparse", "-low"}) {
      EXPECT_EQ(preset_maze(maze + suffix), maze);
      EXPECT_TRUE(preset_fits_maze(maze + suffix, maze));
      EXPECT_EQ(is_low_level_preset(maze + suffix), suffix == "-low") << maze + suffix;
    }
  }
  EXPECT_FALSE(preset_fits_maze("maze2d-umaze-low", "maze2d-large"));
  EXPECT_EQ(preset_maze("mnist-small"), "");
  EXPECT_TRUE(preset_fits_maze("mnist-small", "maze2d-large"));  // names no maze
  EXPECT_FALSE(is_low_level_preset("mnist-low"));
}

TEST(PointMaze, ResetsToD4rlsDistribution) {
  const MazeLayout layout = MazeLayout::parse(maze_task("maze2d-medium").layout);
  PointMaze env(layout);
  std::mt19937_64 rng(1);
  std::set<std::pair<int, int>> visited;
  double sum_squares = 0.0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const PointMaze::State s = env.reset(rng);
    const std::pair<int, int> cell{static_cast<int>(std::lround(s[0])), static_cast<int>(std::lround(s[1]))};
    EXPECT_FALSE(layout.is_wall(cell.first, cell.second));
    EXPECT_LE(std::abs(s[0] - cell.first), 0.1);
    EXPECT_LE(std::abs(s[1] - cell.second), 0.1);
    visited.insert(cell);
    sum_squares += s[2] * s[2] + s[3] * s[3];
  }
  EXPECT_EQ(visited.size(), layout.reset_cells().size());
  EXPECT_NEAR(std::sqrt(sum_squares / (2 * n)), 0.1, 0.005);  // N(0, 0.1^2) velocities
}

// One Euler step from rest with a full push: MuJoCo integrates the joint
// damping b = 1 implicitly, so v1 = h F / (m + h b) with F = gear 100, and
// the position moves by h v1; m is the ball's 4/3 pi 0.1^3 * 1000.
TEST(PointMaze, OneStepFollowsTheEquationsOfMotion) {
  PointMaze env(MazeLayout::parse(maze_task("maze2d-large").layout));
  env.reset_to({3.0, 3.0, 0.0, 0.0});
  const double mass = 4.0 / 3.0 * M_PI * 1e-3 * 1000.0, h = 0.01;
  const PointMaze::State s = env.step({1.0, -0.5});
  EXPECT_NEAR(s[2], h * 100.0 / (mass + h), 1e-6);
  EXPECT_NEAR(s[3], -0.5 * h * 100.0 / (mass + h), 1e-6);
  EXPECT_NEAR(s[0], 3.0 + h * s[2], 1e-9);
  // Controls are clipped to [-1, 1] and velocities to [-5, 5] before the step.
  env.reset_to({3.0, 3.0, 0.0, 0.0});
  EXPECT_NEAR(env.step({40.0, 0.0})[2], s[2], 1e-12);
  env.reset_to({3.0, 3.0, 50.0, 0.0});
  EXPECT_LE(env.step({0.0, 0.0})[2], 5.0);
}

TEST(PointMaze, WallsStopTheBall) {
  // umaze: (3, 1) is free and (2, 1) a wall, whose box spans x in [1.3, 2.3]
  // in the joints' frame (walls at (i + 1, j + 1) in the world, the ball's body at 1.2).
  PointMaze env(MazeLayout::parse(maze_task("maze2d-umaze").layout));
  env.reset_to({3.0, 1.0, 0.0, 0.0});
  double lowest = 3.0;
  for (int t = 0; t < 300; ++t) lowest = std::min(lowest, env.step({-1.0, 0.0})[0]);
  EXPECT_GT(lowest, 2.3);
  EXPECT_LT(lowest, 2.45);  // it got there, and stopped at the wall
}

TEST(PointMaze, RewardsTheHalfUnitAroundTheGoal) {
  PointMaze env(MazeLayout::parse(maze_task("maze2d-umaze").layout));
  EXPECT_EQ(env.target(), (std::array<double, 2>{1.0, 1.0}));
  EXPECT_EQ(env.reward({1.3, 1.4, 0.0, 0.0}), 1.0);
  EXPECT_EQ(env.reward({1.4, 1.4, 0.0, 0.0}), 0.0);
}

TEST(WaypointController, FindsTheShortestGridPath) {
  const MazeLayout umaze = MazeLayout::parse(maze_task("maze2d-umaze").layout);
  const WaypointController controller(umaze, 0);
  EXPECT_EQ(controller.grid_path({3, 1}, {1, 1}),
            (std::vector<std::pair<int, int>>{{3, 1}, {3, 2}, {3, 3}, {2, 3}, {1, 3}, {1, 2}, {1, 1}}));
  EXPECT_THROW(controller.grid_path({2, 1}, {1, 1}), Error);  // a start in a wall
}

// From every cell of every maze, D4RL's controller brings the ball to the goal
// within the episode.
TEST(WaypointController, ReachesTheGoalFromEveryCellOfEveryMaze) {
  for (const std::string& name : maze_task_names()) {
    const MazeTask& task = maze_task(name);
    const MazeLayout layout = MazeLayout::parse(task.layout);
    PointMaze env(layout);
    for (const auto& [row, col] : layout.reset_cells()) {
      WaypointController controller(layout, 7);
      PointMaze::State s = env.reset_to({static_cast<double>(row), static_cast<double>(col), 0.0, 0.0});
      int64_t reached = -1;
      for (int64_t t = 0; t < task.episode_steps && reached < 0; ++t) {
        s = env.step(controller.action({s[0], s[1]}, {s[2], s[3]}, env.target()));
        if (env.reward(s) > 0.0) reached = t;
      }
      EXPECT_GE(reached, 0) << name << " from (" << row << ", " << col << ")";
    }
  }
}

// D4RL's reference returns, made with these two policies over 100 episodes,
// are reproduced within the statistical error (4 standard errors), with the
// expert as D4RL's script ran it (one controller over all episodes); an
// expert that plans at every episode's start scores well above them.
TEST(MazeBaselines, ReproduceD4rlsReferenceReturns) {
  for (const std::string& name : maze_task_names()) {
    const MazeTask& task = maze_task(name);
    MazeEpisodeOptions options;
    options.episodes = 100;
    const MazeEvaluation random = evaluate_maze_baseline(task, MazeBaseline::kRandom, options);
    const MazeEvaluation expert = evaluate_maze_baseline(task, MazeBaseline::kExpert, options);
    std::printf("%s: random %.2f +- %.2f (D4RL %.2f), expert %.2f +- %.2f (D4RL %.2f)\n", name.c_str(),
                random.mean_return, random.standard_error, task.ref_min_score, expert.mean_return,
                expert.standard_error, task.ref_max_score);
    EXPECT_NEAR(random.mean_return, task.ref_min_score, 4 * random.standard_error + 1e-9) << name;
    EXPECT_NEAR(expert.mean_return, task.ref_max_score, 4 * expert.standard_error + 1e-9) << name;
    options.replan_each_episode = true;
    const MazeEvaluation replanning = evaluate_maze_baseline(task, MazeBaseline::kExpert, options);
    EXPECT_GT(replanning.mean_return, task.ref_max_score + 4 * replanning.standard_error) << name;
  }
}

TEST(MazeDataset, CollectsAContinuousStreamOfReachedGoalsAndRoundTrips) {
  MazeCollectOptions options;
  options.steps = 6000;
  options.seed = 4;
  const MazeDataset data = collect_maze_dataset(maze_task("maze2d-umaze"), options);
  ASSERT_EQ(data.size(), 6000);
  const auto episodes = data.episodes();
  ASSERT_GE(episodes.size(), 10u);  // the controller keeps arriving and getting new goals
  EXPECT_EQ(episodes.front().first, 0);
  EXPECT_EQ(episodes.back().second, 6000);
  // Each episode but the last ends with the goal reached or after 300 steps.
  const auto* reached = data.goal_reached.data_ptr<std::uint8_t>();
  for (size_t e = 0; e + 1 < episodes.size(); ++e) {
    const auto [begin, end] = episodes[e];
    EXPECT_TRUE(reached[end - 1] == 1 || end - begin == 300) << e;
  }
  // One stream: positions move by at most h v1 between rows, v1 <= 5 (the
  // clip) + h F / m (one step's push) = 5.24.
  const torch::Tensor steps = (data.observations.slice(0, 1, 6000, 1).narrow(1, 0, 2) -
                               data.observations.slice(0, 0, 5999, 1).narrow(1, 0, 2)).abs();
  EXPECT_LE(steps.max().item<double>(), 0.01 * (5.0 + 0.01 * 100.0 / 4.18879) + 1e-6);
  EXPECT_LE(data.actions.abs().max().item<double>(), 1.0);

  const std::string path = testing::temporary_directory("maze_dataset") + "/umaze.safetensors";
  save_maze_dataset(path, data);
  const MazeDataset back = load_maze_dataset(path);
  EXPECT_EQ(back.env, "maze2d-umaze");
  EXPECT_EQ(back.seed, 4u);
  EXPECT_TRUE(back.observations.equal(data.observations));
  EXPECT_TRUE(back.goal_reached.equal(data.goal_reached));
  EXPECT_EQ(back.episodes(), episodes);
}

TEST(MazeDataset, RefusesFilesThatAreNotMazeData) {
  const std::string dir = testing::temporary_directory("maze_dataset_bad");
  MazeCollectOptions options;
  options.steps = 10;
  MazeDataset data = collect_maze_dataset(maze_task("maze2d-umaze"), options);
  data.observations[3][1] = std::nan("");
  save_maze_dataset(dir + "/nan.safetensors", data);
  EXPECT_THROW(load_maze_dataset(dir + "/nan.safetensors"), Error);
  TensorFile weights;
  weights.tensors["w"] = torch::zeros({2});
  save_safetensors(dir + "/weights.safetensors", weights);
  EXPECT_THROW(load_maze_dataset(dir + "/weights.safetensors"), Error);
  testing::write_bytes(dir + "/garbage.safetensors", "not a file");
  EXPECT_THROW(load_maze_dataset(dir + "/garbage.safetensors"), Error);
}

// Remembers the targets it is given and stands still.
class TargetRecorder : public MazePolicy {
 public:
  void begin_episode(const PointMaze::State& state, const std::array<double, 2>& target) override {
    starts.push_back(state);
    targets.push_back(target);
  }
  PointMaze::Action act(const PointMaze::State&, int64_t) override { return {0.0, 0.0}; }
  int64_t plans() const override { return static_cast<int64_t>(targets.size()); }
  std::vector<PointMaze::State> starts;
  std::vector<std::array<double, 2>> targets;
};

TEST(MazeEpisodes, GivesTheFixedGoalOrRandomGoalsNearResetCells) {
  const MazeTask& task = maze_task("maze2d-medium");
  MazeEpisodeOptions options;
  options.episodes = 20;
  TargetRecorder fixed;
  MazeEpisode first;
  evaluate_maze_policy(task, fixed, options, &first);
  ASSERT_EQ(fixed.targets.size(), 20u);
  for (const auto& target : fixed.targets) EXPECT_EQ(target, (std::array<double, 2>{6.0, 6.0}));
  EXPECT_EQ(first.goal, (std::array<double, 2>{6.0, 6.0}));
  EXPECT_EQ(first.path.size(), static_cast<size_t>(task.episode_steps + 1));
  options.random_goal = true;
  TargetRecorder random;
  evaluate_maze_policy(task, random, options, &first);
  const MazeLayout layout = MazeLayout::parse(task.layout);
  std::set<std::pair<int, int>> cells;
  for (const auto& target : random.targets) {
    const int row = static_cast<int>(std::lround(target[0])), col = static_cast<int>(std::lround(target[1]));
    EXPECT_FALSE(layout.is_wall(row, col));
    EXPECT_LE(std::abs(target[0] - row), 0.1);
    EXPECT_LE(std::abs(target[1] - col), 0.1);
    cells.insert({row, col});
  }
  EXPECT_GT(cells.size(), 8u);  // 20 draws over 26 cells
  EXPECT_EQ(first.goal, random.targets.front());
  // The resets do not depend on whether goals are drawn.
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ(random.starts[i], fixed.starts[i]);
}

}  // namespace
}  // namespace diffuse
