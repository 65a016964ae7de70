#include "diffuse/planning/diffuser_planner.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "diffuse/device.h"
#include "diffuse/models/temporal_unet.h"
#include "diffuse/noise.h"
#include "diffuse/planning/maze_trajectories.h"
#include "diffuse/planning/subgoal_path.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// The key of the low level's noise under the planner's seed.
constexpr std::uint64_t kLowLevelStream = 0x4c4f57;  // "LOW"

const TemporalUNetConfig& trajectory_network(const TrainedModel& model) {
  const auto* network = model.config.model.get_if<TemporalUNetConfig>();
  check(network != nullptr && network->transition_dim == kMazeTransitionDim,
        "planning needs a Maze2D trajectory model (a run trained with a maze2d preset on maze2d:FILE), not a '" +
            model.config.model->type() + "' model");
  check(!model.config.data.trajectory_limits.empty(),
        "the run's config.json has no data.trajectory_limits: it was not trained on maze2d:FILE");
  model.config.data.trajectory_limits.check_valid(kMazeTransitionDim);
  return *network;
}

}  // namespace

DiffuserPlanner::DiffuserPlanner(TrainedModel model, PlannerOptions options)
    : model_(std::move(model)),
      options_(std::move(options)),
      denoiser_(make_denoiser(model_)),
      rows_(trajectory_network(model_).horizon),
      length_multiple_(trajectory_network(model_).length_multiple()),
      stride_(model_.config.data.trajectory_stride) {
  check(stride_ >= 1, "planning: the run's data.trajectory_stride must be >= 1");
  check(options_.horizon >= 0, "planning: the horizon must be >= 0 (0: the trained one)");
  if (options_.horizon > 0) rows_ = rows_spanning(options_.horizon);
  const NoiseSchedule schedule = NoiseSchedule::from_config(model_.config.schedule);
  const int64_t steps = options_.steps > 0 ? options_.steps : schedule.num_timesteps();
  check(steps <= schedule.num_timesteps(), "planning: --steps " + std::to_string(steps) + " exceeds the model's " +
                                               std::to_string(schedule.num_timesteps()) + " diffusion steps");
  options_.steps = steps;
  sampler_ = make_sampler(options_.sampler, schedule, options_.sampler_options);
  sampler_->set_timesteps(steps);
}

int64_t DiffuserPlanner::rows_spanning(int64_t steps) const {
  // Rows r (a multiple of the network's) cover (r - 1) stride + 1 steps.
  const int64_t rows_needed = std::max<int64_t>(2, (std::max<int64_t>(steps, 2) - 1 + stride_ - 1) / stride_ + 1);
  return (rows_needed + length_multiple_ - 1) / length_multiple_ * length_multiple_;
}

int64_t DiffuserPlanner::plan_length(int64_t steps) const {
  return std::min(horizon(), (rows_spanning(steps) - 1) * stride_ + 1);
}

int64_t DiffuserPlanner::replan_length(int64_t left) const {
  // Rounded up to a length the network takes; never longer than the horizon.
  const int64_t shortest = plan_length(kMinReplanLength);
  if (stride_ == 1) return plan_length(std::max(left, kMinReplanLength));
  if (left < shortest) return 0;
  const int64_t longer = plan_length(left);
  // Sparse lengths lie stride x length_multiple steps apart (60 at stride
  // 15): take the nearer of the two around `left`, not always the longer,
  // which would put the arrival off by up to 59 steps.
  const int64_t shorter = longer - stride_ * length_multiple_;
  return shorter >= shortest && left - shorter < longer - left ? shorter : longer;
}

MazePlan DiffuserPlanner::plan(const PointMaze::State& start, const std::array<double, 2>& goal, int64_t length) {
  if (length == 0) length = horizon();
  const int64_t rows = (length - 1) / stride_ + 1;
  const std::string multiple = "a multiple of " + std::to_string(length_multiple_);
  check(length >= 2 && length <= horizon() && (length - 1) % stride_ == 0 && rows % length_multiple_ == 0,
        "planning: a plan's length must be " +
            (stride_ == 1 ? multiple + ", at least 2"
                          : "(r - 1) x " + std::to_string(stride_) + " + 1 steps for r rows, r " + multiple + " (" +
                                std::to_string(plan_length(2)) + ", " +
                                std::to_string(plan_length(plan_length(2) + 1)) + ", ...)") +
            " and at most the model's horizon " + std::to_string(horizon()) + ", got " + std::to_string(length));
  // The observation columns of the first and last step: the state, and the goal at rest.
  const torch::Tensor start_row = torch::tensor({{start[0], start[1], start[2], start[3]}}, torch::kFloat64);
  const torch::Tensor goal_row = torch::tensor({{goal[0], goal[1], 0.0, 0.0}}, torch::kFloat64);
  const GenerateResult result = sample_between(start_row, goal_row, rows, options_.trajectory_frames);
  const TrajectoryLimits& limits = model_.config.data.trajectory_limits;
  const torch::Tensor trajectory = limits.unnormalize(result.samples[0].to(torch::kFloat64));
  MazePlan plan;
  if (stride_ == 1) {
    plan.actions = trajectory.slice(1, 0, kMazeActionDim).contiguous();
    plan.observations = trajectory.slice(1, kMazeActionDim).contiguous();
  } else {
    plan.subgoals = trajectory.slice(1, kMazeActionDim).contiguous();
    plan.observations = low_level_ ? low_level_->fill_segments(plan.subgoals, stride_)
                                   : subgoal_path(plan.subgoals, stride_, PointMaze::kStepSeconds);
  }
  if (result.trajectory.defined()) {
    plan.denoising = limits.unnormalize(result.trajectory.select(1, 0).to(torch::kFloat64)).slice(2, kMazeActionDim).contiguous();
    plan.denoising_timesteps = result.trajectory_timesteps;
  }
  return plan;
}

GenerateResult DiffuserPlanner::sample_between(const torch::Tensor& from, const torch::Tensor& to, int64_t rows,
                                               int64_t trajectory_frames) {
  const int64_t count = from.size(0);
  const TrajectoryLimits& limits = model_.config.data.trajectory_limits;
  torch::Tensor values = torch::zeros({count, rows, kMazeTransitionDim}, torch::kFloat32);
  values.select(1, 0).slice(1, kMazeActionDim).copy_(limits.normalize(from, kMazeActionDim));
  values.select(1, rows - 1).slice(1, kMazeActionDim).copy_(limits.normalize(to, kMazeActionDim));
  GenerateOptions generate_options;
  generate_options.num_samples = count;
  generate_options.batch_size = count;
  generate_options.seed = derive_key(options_.seed, static_cast<std::uint64_t>(plans_));
  generate_options.sample_shape = {rows, kMazeTransitionDim};
  generate_options.known = start_and_goal_mask(count, rows);
  generate_options.known_values = values;
  generate_options.trajectory_frames = trajectory_frames;
  generate_options.trajectory_samples = 1;
  sampler_->set_timesteps(options_.steps);
  GenerateResult result = generate(denoiser_, *sampler_, generate_options);
  ++plans_;
  return result;
}

void DiffuserPlanner::set_low_level(std::unique_ptr<DiffuserPlanner> low_level) {
  check(stride_ > 1, "planning: a low level fills the segments of a sparse planner (a -sparse preset's run)");
  check(low_level != nullptr && low_level->stride_ == 1,
        "planning: the low level must be a dense planner (a -low preset's run), not a sparse one");
  low_level->check_segment_stride(stride_);
  // Its noise comes from a stream of its own, apart from the subgoals'.
  low_level->options_.seed = derive_key(options_.seed, kLowLevelStream);
  low_level_ = std::move(low_level);
}

void DiffuserPlanner::check_segment_stride(int64_t stride) const {
  // Trained on exactly the segments it fills: a longer dense planner would
  // be asked for plans shorter than any it has seen.
  check(stride >= 1 && horizon() == stride + 1,
        "planning: the low level must be trained on plans of " + std::to_string(stride + 1) +
            " steps (the subgoals' stride + 1, a -low preset); its horizon is " + std::to_string(horizon()));
}

torch::Tensor DiffuserPlanner::fill_segments(const torch::Tensor& subgoals, int64_t stride) {
  check_segment_stride(stride);
  check(stride_ == 1 && subgoals.dim() == 2 && subgoals.size(0) >= 2 && subgoals.size(1) == kMazeObservationDim,
        "planning: segments are filled by a dense planner between at least two subgoals [n, 4]");
  const int64_t segments = subgoals.size(0) - 1;
  const torch::Tensor from = subgoals.slice(0, 0, segments).to(torch::kFloat64);
  const torch::Tensor to = subgoals.slice(0, 1).to(torch::kFloat64);
  const GenerateResult result = sample_between(from, to, stride + 1, 0);
  const torch::Tensor states =
      model_.config.data.trajectory_limits.unnormalize(result.samples.to(torch::kFloat64)).slice(2, kMazeActionDim);
  // Segment k covers steps k stride .. (k + 1) stride; its first row is the
  // last row of segment k - 1 (the same subgoal), kept once.
  torch::Tensor path = torch::empty({segments * stride + 1, kMazeObservationDim}, torch::kFloat64);
  path[0].copy_(states[0][0]);
  path.slice(0, 1).view({segments, stride, kMazeObservationDim}).copy_(states.slice(1, 1));
  return path;
}

DiffuserPolicy::DiffuserPolicy(DiffuserPlanner& planner, int64_t replan_every, double replan_distance)
    : planner_(planner), replan_every_(replan_every), replan_distance_(replan_distance) {
  check(replan_every >= 0, "planning: replan_every must be >= 0");
  check(std::isfinite(replan_distance) && replan_distance >= 0.0, "planning: replan_distance must be >= 0");
}

void DiffuserPolicy::begin_episode(const PointMaze::State& state, const std::array<double, 2>& target) {
  target_ = target;
  plan_ = planner_.plan(state, target_);
  first_plan_ = plan_;
  plan_start_ = 0;
  settle_start_ = 0;
  arrival_ = plan_.observations.size(0) - 1;
}

bool DiffuserPolicy::strayed(const PointMaze::State& state, int64_t t) const {
  const auto planned = plan_.observations.accessor<double, 2>();
  const int64_t row = std::min(t - plan_start_, plan_.observations.size(0) - 1);
  return std::hypot(planned[row][0] - state[0], planned[row][1] - state[1]) > replan_distance_;
}

PointMaze::Action DiffuserPolicy::act(const PointMaze::State& state, int64_t t) {
  if (replan_distance_ > 0.0 && t - settle_start_ >= kReplanSettleSteps && strayed(state, t)) {
    plan_ = planner_.plan(state, target_);
    plan_start_ = t;
    settle_start_ = t;
    arrival_ = t + plan_.observations.size(0) - 1;
  } else if (replan_every_ > 0 && t > plan_start_ && (t - plan_start_) % replan_every_ == 0) {
    const int64_t length = planner_.replan_length(arrival_ - t + 1);
    if (length > 0) {
      plan_ = planner_.plan(state, target_, length);
      plan_start_ = t;
    }
  }
  return tracking_action(plan_.observations, t - plan_start_ + 1, state);
}

PointMaze::Action tracking_action(const torch::Tensor& observations, int64_t next, const PointMaze::State& state) {
  check(observations.dim() == 2 && observations.size(1) == kMazeObservationDim && observations.size(0) >= 1 &&
            observations.scalar_type() == torch::kFloat64,
        "tracking: expected a plan of float64 observations [horizon, 4]");
  check(next >= 0, "tracking: the plan step must be >= 0");
  const int64_t horizon = observations.size(0);
  const auto waypoint = observations.accessor<double, 2>();
  const int64_t row = std::min(next, horizon - 1);
  const bool past_end = next >= horizon;  // then the plan's last position, at rest
  PointMaze::Action action{};
  for (size_t i = 0; i < 2; ++i) {
    const double velocity = past_end ? 0.0 : waypoint[row][static_cast<int64_t>(2 + i)];
    action[i] = (waypoint[row][static_cast<int64_t>(i)] - state[i]) + (velocity - state[2 + i]);
  }
  return action;
}

}  // namespace diffuse
