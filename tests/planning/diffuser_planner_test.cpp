#include "diffuse/planning/diffuser_planner.h"

#include <cmath>
#include <map>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/models/network_registry.h"
#include "diffuse/models/temporal_unet.h"
#include "diffuse/noise.h"
#include "diffuse/planning/maze_trajectories.h"
#include "diffuse/planning/subgoal_path.h"
#include "diffuse/sampling/ddim.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/training/training_step.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// 40 steps of umaze (goal (1, 1)): away, at the goal (rows 5-9), away, at
// the goal (25-27), away; random actions and velocities.
MazeDataset synthetic_umaze() {
  torch::manual_seed(1);
  MazeDataset data;
  data.env = "maze2d-umaze";
  data.observations = torch::zeros({40, 4});
  data.observations.slice(1, 2).uniform_(-2.0, 2.0);
  data.observations.slice(0, 0, 5).slice(1, 0, 2).fill_(3.0);
  data.observations.slice(0, 5, 10).select(1, 0).fill_(1.1);
  data.observations.slice(0, 5, 10).select(1, 1).fill_(1.0);
  data.observations.slice(0, 10, 25).select(1, 0).fill_(3.0);
  data.observations.slice(0, 10, 25).select(1, 1).copy_(torch::linspace(1.0, 3.0, 15));
  data.observations.slice(0, 25, 28).slice(1, 0, 2).fill_(0.9);
  data.observations.slice(0, 28, 40).slice(1, 0, 2).fill_(2.0);
  data.actions = torch::rand({40, 2}) * 2.0 - 1.0;
  data.goals = torch::zeros({40, 2});
  data.goal_reached = torch::zeros({40}, torch::kUInt8);
  return data;
}

TEST(MazeTrajectories, CutsPathsWhereThePointLeavesTheGoalAsDiffuserDoes) {
  const auto paths = goal_paths(synthetic_umaze(), {1.0, 1.0});
  EXPECT_EQ(paths, (std::vector<std::pair<int64_t, int64_t>>{{0, 10}, {10, 28}, {28, 40}}));
}

TEST(MazeTrajectories, NormalisesColumnsToPlusMinusOneAndBack) {
  const TrajectoryLimits limits{{-2.0, 0.0, 1.0}, {2.0, 4.0, 3.0}};
  const torch::Tensor x = torch::tensor({{-2.0, 0.0, 1.0}, {2.0, 4.0, 3.0}, {0.0, 1.0, 2.5}}, torch::kFloat64);
  const torch::Tensor normed = limits.normalize(x);
  EXPECT_TRUE(torch::allclose(normed, torch::tensor({{-1.0, -1.0, -1.0}, {1.0, 1.0, 1.0}, {0.0, -0.5, 0.5}}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(limits.unnormalize(normed), x));
  // Columns 1..2 of the table for a two-column tensor; out-of-range values clip.
  EXPECT_TRUE(torch::allclose(limits.unnormalize(torch::tensor({{3.0, -7.0}}, torch::kFloat64), 1),
                              torch::tensor({{4.0, 1.0}}, torch::kFloat64)));
  EXPECT_THROW(limits.normalize(x, 1), Error);
  EXPECT_THROW((TrajectoryLimits{{1.0}, {1.0}}.check_valid(1)), Error);
}

TEST(MazeTrajectories, WindowsEachPathWithStartAndGoalKnown) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 6, {}, "synthetic");
  // Starts 0 .. length - horizon - 1 in each path: 4 + 12 + 6.
  EXPECT_EQ(dataset.size(), 22);
  EXPECT_EQ(dataset.sample_shape(), (std::vector<int64_t>{6, 6}));
  EXPECT_TRUE(dataset.bounded());
  const Batch batch = dataset.get_batch({0, 4, 21});
  ASSERT_EQ(batch.x0.sizes(), (std::vector<int64_t>{3, 6, 6}));
  EXPECT_LE(batch.x0.abs().max().item<double>(), 1.0 + 1e-6);
  // Window 4 is the first of the second path: rows 10..15, [action, observation].
  const MazeDataset data = synthetic_umaze();
  const torch::Tensor raw = torch::cat({data.actions, data.observations}, 1).slice(0, 10, 16).to(torch::kFloat64);
  EXPECT_TRUE(torch::allclose(dataset.limits().unnormalize(batch.x0[1].to(torch::kFloat64)), raw, 1e-5, 1e-5));
  const torch::Tensor known = batch.conditioning.known;
  ASSERT_EQ(known.sizes(), batch.x0.sizes());
  EXPECT_EQ(known.sum().item<double>(), 3 * 2 * 4);
  EXPECT_TRUE(known[0][0].slice(0, 2).eq(1).all().item<bool>());
  EXPECT_TRUE(known[0][5].slice(0, 2).eq(1).all().item<bool>());
  EXPECT_TRUE(known[0][0].slice(0, 0, 2).eq(0).all().item<bool>());  // actions are generated
  EXPECT_TRUE(torch::equal(batch.conditioning.known_values, batch.x0));
  EXPECT_THROW(MazeTrajectoryDataset(data, 20, {}, "synthetic"), Error);  // no path longer than 20
}

TEST(MazeTrajectories, SparseWindowsTakeEveryStrideThStepOfALongerWindow) {
  const MazeDataset data = synthetic_umaze();
  // 4 rows 3 steps apart span 10 steps: starts 10 .. 17 and 28 .. 29 (the first path, 10 long, has none).
  const MazeTrajectoryDataset dataset(data, 4, {}, "synthetic", 3);
  EXPECT_EQ(dataset.size(), 10);
  EXPECT_EQ(dataset.stride(), 3);
  EXPECT_EQ(dataset.sample_shape(), (std::vector<int64_t>{4, 6}));
  const Batch batch = dataset.get_batch({1, 8});
  const torch::Tensor raw = torch::cat({data.actions, data.observations}, 1).to(torch::kFloat64);
  const torch::Tensor rows = torch::tensor({11, 14, 17, 20, 28, 31, 34, 37}, torch::kLong);
  EXPECT_TRUE(torch::allclose(dataset.limits().unnormalize(batch.x0.reshape({8, 6}).to(torch::kFloat64)),
                              raw.index_select(0, rows), 1e-5, 1e-5));
  EXPECT_EQ(batch.conditioning.known.sum().item<double>(), 2 * 2 * 4);  // first and last row of each
  EXPECT_THROW(MazeTrajectoryDataset(data, 6, {}, "synthetic", 4), Error);  // spans 21 steps: no path that long
  EXPECT_THROW(MazeTrajectoryDataset(data, 4, {}, "synthetic", 0), Error);
}

// Returns x0 * 0 + a learnable zero: its x0 prediction is 0 everywhere, and
// it remembers the x_t it was given.
class RecordingNetwork : public NoiseNetwork {
 public:
  RecordingNetwork() { bias_ = register_parameter("bias", torch::zeros({1})); }
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor&, const Conditioning&) override {
    seen = x_t.detach().clone();
    return x_t * 0.0 + bias_;
  }
  std::vector<int64_t> sample_shape() const override { return {6, 6}; }
  std::string describe() const override { return "recording"; }
  torch::Tensor seen;

 private:
  torch::Tensor bias_;
};

TEST(MazeTrajectories, TrainingKeepsKnownElementsCleanAndLeavesThemOutOfTheLoss) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 6, {}, "synthetic");
  const Batch batch = dataset.get_batch({0, 1, 2, 3});
  RecordingNetwork network;
  torch::optim::Adam optimizer(network.parameters(), torch::optim::AdamOptions(1e-3));
  ExponentialMovingAverage ema(network, 0.9, true);
  TrainingStepOptions options;
  options.prediction = Prediction::kX0;
  const TrainingStepResult result =
      training_step(network, NoiseSchedule::cosine(64), optimizer, ema, batch, 1e-3, 5, 0, options);
  const torch::Tensor known = batch.conditioning.known.to(torch::kBool);
  EXPECT_TRUE(torch::equal(network.seen.masked_select(known), batch.x0.masked_select(known)));
  EXPECT_FALSE(torch::equal(network.seen.masked_select(~known), batch.x0.masked_select(~known)));
  // The prediction is 0, so the loss is the mean of x0^2 over the generated elements alone.
  const double expected = batch.x0.masked_select(~known).square().mean().item<double>();
  EXPECT_NEAR(result.loss, expected, 1e-5);
}

// A planner of `horizon` rows (0: the dataset's) of the dataset's stride.
TrainedModel tiny_planner(const MazeTrajectoryDataset& dataset, int64_t horizon = 0) {
  TemporalUNetConfig model;
  model.horizon = horizon > 0 ? horizon : dataset.sample_shape()[0];
  model.dim = 8;
  model.dim_mults = {1, 2};
  model.num_groups = 4;
  TrainedModel trained;
  trained.config.preset = "maze2d-umaze";
  trained.config.model = model;
  trained.config.schedule.kind = ScheduleKind::kCosine;
  trained.config.schedule.num_timesteps = 10;
  trained.config.prediction = Prediction::kX0;
  trained.config.data.spec = "maze2d:synthetic";
  trained.config.data.trajectory_limits = dataset.limits();
  trained.config.data.trajectory_stride = dataset.stride();
  torch::manual_seed(4);
  trained.network = make_network(trained.config.model);
  return trained;
}

TEST(DiffuserPlanner, ImposesTheStartAndTheGoalExactlyWithEverySampler) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 8, {}, "synthetic");
  const PointMaze::State start{3.0, 1.5, 0.2, -0.3};
  for (const std::string sampler : {"ddpm", "ddim", "dpm++2m", "heun"}) {
    PlannerOptions options;
    options.sampler = sampler;
    options.steps = sampler == "ddpm" ? 0 : 4;
    options.trajectory_frames = 3;
    DiffuserPlanner planner(tiny_planner(dataset), options);
    const MazePlan plan = planner.plan(start, {1.0, 1.0});
    ASSERT_EQ(plan.observations.sizes(), (std::vector<int64_t>{8, 4})) << sampler;
    ASSERT_EQ(plan.actions.sizes(), (std::vector<int64_t>{8, 2}));
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(plan.observations[0][i].item<double>(), start[static_cast<size_t>(i)], 1e-5);
    EXPECT_NEAR(plan.observations[7][0].item<double>(), 1.0, 1e-5);
    EXPECT_NEAR(plan.observations[7][1].item<double>(), 1.0, 1e-5);
    EXPECT_NEAR(plan.observations[7][2].item<double>(), 0.0, 1e-5);
    EXPECT_NEAR(plan.observations[7][3].item<double>(), 0.0, 1e-5);
    EXPECT_EQ(plan.denoising.sizes(), (std::vector<int64_t>{3, 8, 4}));
    ASSERT_EQ(plan.denoising_timesteps.size(), 3u);
    EXPECT_EQ(plan.denoising_timesteps.back(), -1);
    EXPECT_TRUE(torch::allclose(plan.denoising[2], plan.observations));
    EXPECT_EQ(planner.plans(), 1);
  }
}

TEST(DiffuserPlanner, TheKnownElementsHoldExactlyAtTheEndOfSampling) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 8, {}, "synthetic");
  const TrainedModel model = tiny_planner(dataset);
  const Denoiser denoiser = make_denoiser(model);
  DdimSampler sampler(NoiseSchedule::cosine(10), {});
  sampler.set_timesteps(5);
  GenerateOptions options;
  options.num_samples = 3;
  options.known = start_and_goal_mask(3, 8);
  options.known_values = torch::randn({3, 8, 6}).clamp(-1, 1);
  const torch::Tensor samples = generate(denoiser, sampler, options).samples;
  const torch::Tensor known = options.known.to(torch::kBool);
  EXPECT_TRUE(torch::equal(samples.masked_select(known), options.known_values.masked_select(known)));
  options.known_values = torch::zeros({3, 8, 5});
  EXPECT_THROW(generate(denoiser, sampler, options), Error);
}

PlannerOptions ddim(int64_t steps) {
  PlannerOptions options;
  options.sampler = "ddim";
  options.steps = steps;
  return options;
}

TEST(DiffuserPlanner, MakesShorterPlansThatReachTheGoalAtTheirLastStep) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 16, {}, "synthetic");
  DiffuserPlanner planner(tiny_planner(dataset), ddim(4));
  ASSERT_EQ(planner.length_multiple(), 2);  // two levels halve the length once
  const PointMaze::State start{3.0, 1.5, 0.2, -0.3};
  const MazePlan plan = planner.plan(start, {1.0, 1.0}, 6);
  ASSERT_EQ(plan.observations.sizes(), (std::vector<int64_t>{6, 4}));
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(plan.observations[0][i].item<double>(), start[static_cast<size_t>(i)], 1e-5);
  EXPECT_NEAR(plan.observations[5][0].item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(plan.observations[5][1].item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(plan.observations[5][2].item<double>(), 0.0, 1e-5);
  EXPECT_EQ(planner.plan(start, {1.0, 1.0}).observations.size(0), 16);
  EXPECT_THROW(planner.plan(start, {1.0, 1.0}, 7), Error);   // not a multiple of 2
  EXPECT_THROW(planner.plan(start, {1.0, 1.0}, -2), Error);  // not a length
  EXPECT_THROW(planner.plan(start, {1.0, 1.0}, 18), Error);  // longer than the horizon
}

TEST(DiffuserPlanner, MakesPlansLongerThanTrainedWhenAskedForAHorizon) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 16, {}, "synthetic");
  PlannerOptions options = ddim(4);
  options.horizon = 27;  // rounded up to 28 rows, a multiple of 2
  DiffuserPlanner planner(tiny_planner(dataset), options);
  EXPECT_EQ(planner.horizon(), 28);
  const PointMaze::State start{3.0, 1.5, 0.2, -0.3};
  const MazePlan plan = planner.plan(start, {1.0, 1.0});
  ASSERT_EQ(plan.observations.sizes(), (std::vector<int64_t>{28, 4}));
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(plan.observations[0][i].item<double>(), start[static_cast<size_t>(i)], 1e-5);
  EXPECT_NEAR(plan.observations[27][0].item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(plan.observations[27][1].item<double>(), 1.0, 1e-5);
  EXPECT_EQ(planner.plan_length(100), 28);
  EXPECT_EQ(planner.plan(start, {1.0, 1.0}, 16).observations.size(0), 16);  // shorter plans as before
  options.horizon = 1;  // at least 2 rows
  EXPECT_EQ(DiffuserPlanner(tiny_planner(dataset), options).horizon(), 2);
  options.horizon = -1;
  EXPECT_THROW(DiffuserPlanner(tiny_planner(dataset), options), Error);
  // A sparse planner's rows are stride steps apart: 10 rows, 9 x 3 + 1 steps.
  const MazeTrajectoryDataset sparse(synthetic_umaze(), 4, {}, "synthetic", 3);
  options.horizon = 25;
  EXPECT_EQ(DiffuserPlanner(tiny_planner(sparse, 8), options).horizon(), 28);
}

TEST(DiffuserPlanner, ASparsePlannersPlanRunsThroughItsSubgoalsStrideStepsApart) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 4, {}, "synthetic", 3);
  DiffuserPlanner planner(tiny_planner(dataset, 8), ddim(4));
  EXPECT_EQ(planner.stride(), 3);
  EXPECT_EQ(planner.horizon(), 22);  // 8 rows: 7 x 3 + 1 steps
  const PointMaze::State start{3.0, 1.5, 0.2, -0.3};
  const MazePlan plan = planner.plan(start, {1.0, 1.0});
  ASSERT_EQ(plan.subgoals.sizes(), (std::vector<int64_t>{8, 4}));
  ASSERT_EQ(plan.observations.sizes(), (std::vector<int64_t>{22, 4}));
  EXPECT_FALSE(plan.actions.defined());
  for (int64_t k = 0; k < 8; ++k) EXPECT_TRUE(torch::allclose(plan.observations[3 * k], plan.subgoals[k])) << k;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(plan.observations[0][i].item<double>(), start[static_cast<size_t>(i)], 1e-5);
  const torch::Tensor goal = torch::tensor({1.0, 1.0, 0.0, 0.0}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(plan.observations[21], goal, 1e-5, 1e-5));
  // Lengths: (rows - 1) x 3 + 1 with rows even; the shortest that covers the steps asked.
  EXPECT_EQ(planner.plan_length(5), 10);   // 4 rows
  EXPECT_EQ(planner.plan_length(10), 10);
  EXPECT_EQ(planner.plan_length(11), 16);  // 6 rows
  EXPECT_EQ(planner.plan_length(100), 22);
  EXPECT_EQ(planner.plan(start, {1.0, 1.0}, 16).observations.size(0), 16);
  EXPECT_EQ(planner.plan(start, {1.0, 1.0}, 16).subgoals.size(0), 6);
  EXPECT_THROW(planner.plan(start, {1.0, 1.0}, 15), Error);  // not 3 r + 1
  EXPECT_THROW(planner.plan(start, {1.0, 1.0}, 13), Error);  // 5 rows: not even
  EXPECT_THROW(planner.plan(start, {1.0, 1.0}, 25), Error);  // beyond the horizon
}

TEST(DiffuserPlanner, ALowLevelFillsTheSegmentsBetweenSubgoalsInOneBatch) {
  const MazeTrajectoryDataset sparse(synthetic_umaze(), 4, {}, "synthetic", 3);
  const MazeTrajectoryDataset dense(synthetic_umaze(), 4, {}, "synthetic");  // segments of stride + 1 = 4 steps
  ASSERT_EQ(sparse.limits().minimum, dense.limits().minimum);
  DiffuserPlanner planner(tiny_planner(sparse, 8), ddim(4));
  planner.set_low_level(std::make_unique<DiffuserPlanner>(tiny_planner(dense), ddim(4)));
  const PointMaze::State start{3.0, 1.5, 0.2, -0.3};
  const MazePlan plan = planner.plan(start, {1.0, 1.0});
  ASSERT_EQ(plan.subgoals.sizes(), (std::vector<int64_t>{8, 4}));
  ASSERT_EQ(plan.observations.sizes(), (std::vector<int64_t>{22, 4}));
  for (int64_t k = 0; k < 8; ++k) {
    EXPECT_TRUE(torch::allclose(plan.observations[3 * k], plan.subgoals[k], 1e-5, 1e-5)) << k;
  }
  // Between subgoals: the low level's rows, not the Hermite path's.
  const torch::Tensor hermite = subgoal_path(plan.subgoals, 3, PointMaze::kStepSeconds);
  EXPECT_FALSE(torch::allclose(plan.observations, hermite, 1e-3, 1e-3));
  EXPECT_EQ(planner.low_level()->plans(), 1);  // seven segments, one batch
  EXPECT_EQ(planner.plans(), 1);
  // The same seed gives the same plan; shorter plans have fewer segments.
  DiffuserPlanner again(tiny_planner(sparse, 8), ddim(4));
  again.set_low_level(std::make_unique<DiffuserPlanner>(tiny_planner(dense), ddim(4)));
  EXPECT_TRUE(torch::equal(again.plan(start, {1.0, 1.0}).observations, plan.observations));
  EXPECT_EQ(again.plan(start, {1.0, 1.0}, 10).observations.size(0), 10);
}

TEST(DiffuserPlanner, RefusesALowLevelThatCannotFillItsSegments) {
  const MazeTrajectoryDataset sparse(synthetic_umaze(), 4, {}, "synthetic", 3);
  const MazeTrajectoryDataset dense(synthetic_umaze(), 4, {}, "synthetic");
  DiffuserPlanner sparse_planner(tiny_planner(sparse, 8), ddim(4));
  DiffuserPlanner dense_planner(tiny_planner(dense), ddim(4));
  // A dense planner has no segments to fill.
  EXPECT_THROW(dense_planner.set_low_level(std::make_unique<DiffuserPlanner>(tiny_planner(dense), ddim(4))), Error);
  // The low level must be dense, and make plans of stride + 1 = 4 steps.
  EXPECT_THROW(sparse_planner.set_low_level(std::make_unique<DiffuserPlanner>(tiny_planner(sparse, 8), ddim(4))), Error);
  EXPECT_THROW(sparse_planner.set_low_level(std::make_unique<DiffuserPlanner>(tiny_planner(dense, 2), ddim(4))), Error);
  // A longer dense planner could make 4-step plans, but was never trained on them.
  EXPECT_THROW(sparse_planner.set_low_level(std::make_unique<DiffuserPlanner>(tiny_planner(dense, 8), ddim(4))), Error);
  DiffuserPlanner low(tiny_planner(dense), ddim(4));
  EXPECT_THROW(low.fill_segments(torch::zeros({3, 4}, torch::kFloat64), 5), Error);  // segments of 6 steps
  EXPECT_THROW(sparse_planner.set_low_level(nullptr), Error);
  EXPECT_EQ(sparse_planner.low_level(), nullptr);
}

TEST(DiffuserPolicy, ReplansKeepingTheFirstPlansTimeOfArrival) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 16, {}, "synthetic");
  DiffuserPlanner planner(tiny_planner(dataset), ddim(2));
  DiffuserPolicy policy(planner, 3);
  const PointMaze::State state{3.0, 1.5, 0.0, 0.0};
  policy.begin_episode(state, {1.0, 1.0});
  EXPECT_EQ(policy.current_plan().observations.size(0), 16);  // Diffuser's: the whole horizon, arrival at step 15
  // Replans at t = 3, 6, ...: 15 - t + 1 steps left, rounded up to even
  // lengths, never below kMinReplanLength (8).
  const std::map<int64_t, int64_t> expected{{3, 14}, {6, 10}, {9, 8}, {12, 8}, {15, 8}};
  for (int64_t t = 0; t <= 15; ++t) {
    policy.act(state, t);
    if (expected.count(t)) EXPECT_EQ(policy.current_plan().observations.size(0), expected.at(t)) << t;
  }
  EXPECT_EQ(planner.plans(), 6);
  const torch::Tensor last = policy.current_plan().observations[7];
  EXPECT_NEAR(last[0].item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(last[3].item<double>(), 0.0, 1e-5);
}

// The state of a point exactly where `plan` puts it at row `row`.
PointMaze::State on_plan(const MazePlan& plan, int64_t row) {
  const torch::Tensor r = plan.observations[std::min(row, plan.observations.size(0) - 1)];
  return {r[0].item<double>(), r[1].item<double>(), r[2].item<double>(), r[3].item<double>()};
}

TEST(DiffuserPolicy, PlansAgainInFullWhenThePointStraysFromItsPlan) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 16, {}, "synthetic");
  PlannerOptions options = ddim(2);
  options.horizon = 40;  // longer than the settling steps, so that a plan is judged before it ends
  DiffuserPlanner planner(tiny_planner(dataset), options);
  const PointMaze::State stuck{3.0, 1.5, 0.0, 0.0};
  const std::array<double, 2> goal{1.0, 1.0};
  constexpr int64_t settle = DiffuserPolicy::kReplanSettleSteps;
  // A point exactly where its plan says at every step, and after the plan's
  // end at its goal, never strays, however small the distance.
  DiffuserPolicy follower(planner, 0, 1e-6);
  follower.begin_episode(stuck, goal);
  for (int64_t t = 0; t < 60; ++t) follower.act(on_plan(follower.current_plan(), t), t);
  EXPECT_EQ(planner.plans(), 1);
  // One step behind its plan it strays (the plan moves on), but only once
  // the settling steps are over.
  DiffuserPolicy lagging(planner, 0, 1e-6);
  lagging.begin_episode(stuck, goal);
  for (int64_t t = 1; t < settle; ++t) lagging.act(on_plan(lagging.current_plan(), t - 1), t);
  EXPECT_EQ(planner.plans(), 2);
  lagging.act(on_plan(lagging.current_plan(), settle - 1), settle);
  EXPECT_EQ(planner.plans(), 3);
  // A stuck point, with replan_every 20 as well: a full new plan from where
  // it is at step 15, then, followed, the periodic replan at 15 + 20 keeps
  // that plan's arrival (15 + 39 = 54): 54 - 35 + 1 = 20 steps.
  DiffuserPolicy both(planner, 20, 0.5);
  both.begin_episode(stuck, goal);
  for (int64_t t = 0; t < settle; ++t) both.act(stuck, t);
  EXPECT_EQ(planner.plans(), 4);
  both.act(stuck, settle);
  EXPECT_EQ(planner.plans(), 5);
  const MazePlan& again = both.current_plan();
  ASSERT_EQ(again.observations.size(0), 40);
  for (int i = 0; i < 2; ++i) EXPECT_NEAR(again.observations[0][i].item<double>(), stuck[static_cast<size_t>(i)], 1e-5);
  for (int64_t t = settle + 1; t < settle + 20; ++t) both.act(on_plan(both.current_plan(), t - settle), t);
  EXPECT_EQ(planner.plans(), 5);
  both.act(on_plan(both.current_plan(), 20), settle + 20);
  EXPECT_EQ(planner.plans(), 6);
  EXPECT_EQ(both.current_plan().observations.size(0), 20);
  // Periodic replans more often than the settling steps do not postpone the
  // judgement: with replan_every 4 the stuck point still gets its full plan at 15.
  DiffuserPolicy often(planner, 4, 0.5);
  often.begin_episode(stuck, goal);
  for (int64_t t = 0; t <= settle; ++t) often.act(stuck, t);
  EXPECT_EQ(often.current_plan().observations.size(0), 40);
  EXPECT_THROW(DiffuserPolicy(planner, 0, -1.0), Error);
  EXPECT_THROW(DiffuserPolicy(planner, 0, std::nan("")), Error);
}

TEST(DiffuserPolicy, ASparsePlannerStopsReplanningWhenLessThanItsShortestPlanIsLeft) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 4, {}, "synthetic", 3);
  DiffuserPlanner planner(tiny_planner(dataset, 8), ddim(2));
  ASSERT_EQ(planner.plan_length(DiffuserPlanner::kMinReplanLength), 10);  // 4 rows
  DiffuserPolicy policy(planner, 2);
  const PointMaze::State state{3.0, 1.5, 0.0, 0.0};
  policy.begin_episode(state, {1.0, 1.0});  // 22 steps: arrival at step 21
  // 21 - t + 1 steps left at t = 2, 4, ..., 12 (20, 18, 16, 14, 12, 10): the
  // nearest of the lengths 10, 16, 22 (ties: the longer); from t = 14 fewer
  // than 10 are left and the last plan is kept.
  const std::map<int64_t, std::pair<int64_t, int64_t>> expected{
      {2, {22, 2}}, {4, {16, 3}}, {6, {16, 4}}, {8, {16, 5}}, {10, {10, 6}}, {12, {10, 7}}, {14, {10, 7}}, {20, {10, 7}}};
  for (int64_t t = 0; t <= 21; ++t) {
    policy.act(state, t);
    if (expected.count(t)) {
      EXPECT_EQ(policy.current_plan().observations.size(0), expected.at(t).first) << t;
      EXPECT_EQ(planner.plans(), expected.at(t).second) << t;
    }
  }
}

TEST(DiffuserPlanner, ChoosesReplanLengthsFromTheStepsLeft) {
  const MazeTrajectoryDataset dense_data(synthetic_umaze(), 16, {}, "synthetic");
  const DiffuserPlanner dense(tiny_planner(dense_data), ddim(2));
  // Even lengths (the tiny U-Net's multiple), rounded up, never under 8, at most the horizon 16.
  const std::map<int64_t, int64_t> dense_lengths{{1, 8}, {8, 8}, {9, 10}, {10, 10}, {15, 16}, {16, 16}, {40, 16}};
  for (const auto& [left, length] : dense_lengths) EXPECT_EQ(dense.replan_length(left), length) << left;
  const MazeTrajectoryDataset sparse_data(synthetic_umaze(), 4, {}, "synthetic", 3);
  const DiffuserPlanner sparse(tiny_planner(sparse_data, 8), ddim(2));
  // Lengths 10, 16, 22 (4, 6, 8 rows at stride 3): the nearest, ties to the
  // longer, none under the shortest (10).
  const std::map<int64_t, int64_t> sparse_lengths{{9, 0},   {10, 10}, {12, 10}, {13, 16}, {16, 16},
                                                  {18, 16}, {19, 22}, {22, 22}, {30, 22}};
  for (const auto& [left, length] : sparse_lengths) EXPECT_EQ(sparse.replan_length(left), length) << left;
}

TEST(DiffuserPlanner, RefusesAModelThatIsNotATrajectoryModel) {
  const MazeTrajectoryDataset dataset(synthetic_umaze(), 8, {}, "synthetic");
  TrainedModel no_limits = tiny_planner(dataset);
  no_limits.config.data.trajectory_limits = {};
  EXPECT_THROW(DiffuserPlanner(no_limits, {}), Error);
  PlannerOptions too_many;
  too_many.steps = 11;
  EXPECT_THROW(DiffuserPlanner(tiny_planner(dataset), too_many), Error);
}

TEST(DiffuserPolicy, TracksThePlanAsDiffuserDoes) {
  const torch::Tensor plan =
      torch::tensor({{1.0, 1.0, 0.0, 0.0}, {1.5, 1.2, 0.5, 0.2}, {2.0, 1.4, 0.4, 0.1}}, torch::kFloat64);
  const PointMaze::State state{1.1, 0.9, 0.3, -0.1};
  // Step toward plan row 1: (1.5 - 1.1) + (0.5 - 0.3), (1.2 - 0.9) + (0.2 + 0.1).
  const PointMaze::Action toward = tracking_action(plan, 1, state);
  EXPECT_NEAR(toward[0], 0.6, 1e-12);
  EXPECT_NEAR(toward[1], 0.6, 1e-12);
  // Past the end: the last position at rest.
  const PointMaze::Action past = tracking_action(plan, 5, state);
  EXPECT_NEAR(past[0], (2.0 - 1.1) + (0.0 - 0.3), 1e-12);
  EXPECT_NEAR(past[1], (1.4 - 0.9) + (0.0 + 0.1), 1e-12);
  const PointMaze::Action last = tracking_action(plan, 2, state);  // row 2 is the last: the plan's velocity still counts
  EXPECT_NEAR(last[0], (2.0 - 1.1) + (0.4 - 0.3), 1e-12);
}

}  // namespace
}  // namespace diffuse
