#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/planning/maze_episodes.h"
#include "diffuse/planning/point_maze.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/trained_model.h"

namespace diffuse {

struct GenerateResult;

struct PlannerOptions {
  std::string sampler = "ddpm";  // any of sampler_names()
  int64_t steps = 0;             // sampling steps; 0: the model's T (Diffuser's full DDPM chain)
  SamplerOptions sampler_options;
  std::uint64_t seed = 0;        // plan k draws its noise from (seed, k)
  int64_t trajectory_frames = 0; // states of the denoising to keep per plan (0: none)
  // Steps of a full plan, rounded up to a length the network makes; 0: the
  // horizon the model was trained on. The temporal U-Net is convolutional
  // along time, so it also makes plans longer than those it saw.
  int64_t horizon = 0;
};

// One plan: a trajectory of `length` steps in the data's units (the
// model's horizon unless asked for another length).
struct MazePlan {
  torch::Tensor observations;  // [length, 4] x, y, vx, vy
  torch::Tensor actions;       // [length, 2]; undefined for a sparse plan, which plans no actions
  // A sparse planner's own rows, [rows, 4] observations `stride` steps
  // apart, through which `observations` is drawn (subgoal_path.h, or the
  // low level's segments); undefined for a dense plan.
  torch::Tensor subgoals;
  // The model's rows during denoising, [frames, rows, 4] observations in
  // the data's units (x_T first, the plan last); undefined unless asked.
  torch::Tensor denoising;
  std::vector<int64_t> denoising_timesteps;  // the timestep of each frame (-1: the plan)
};

// Diffuser's planner (Janner et al. 2022, sec. 3.3): a trajectory model
// trained on maze2d:FILE (temporal U-Net, start and goal known in x_t)
// samples a plan whose first observation is the current state and whose
// last is the goal at rest ([gx, gy, 0, 0], scripts/plan_maze2d.py). The
// start and goal are imposed at every sampling step (Conditioning::known),
// with any sampler and number of steps.
//
// The goal is reached at the plan's last step, so a plan takes as many steps
// as it is long. Plans default to the trained horizon (Diffuser's); the
// temporal U-Net is convolutional and also makes plans of any number of
// rows that is a multiple of length_multiple(), which replanning uses to
// keep the time of arrival (DiffuserPolicy).
//
// A sparse planner (a run with data.trajectory_stride K > 1, Hierarchical
// Diffuser's high level) samples subgoals K steps apart with the same start
// and goal imposed, and its plan is the dense path through them
// (subgoal_path.h): rows r make a plan of (r - 1) K + 1 steps.
//
// Hierarchical Diffuser's low level (Chen et al. 2024, sec. 3.2) fills the
// K steps between subgoals with a second, dense planner instead
// (set_low_level): trained like Diffuser's on windows of K + 1 steps with
// both ends known, it samples every segment of a plan in one batch, each
// from one subgoal (position and velocity) to the next.
class DiffuserPlanner {
 public:
  // Throws Error when the model is not a trajectory model with limits.
  DiffuserPlanner(TrainedModel model, PlannerOptions options);
  // `length`: the plan's number of steps, 0 for horizon(); else one that
  // plan_length() gives, from 2 steps to horizon().
  MazePlan plan(const PointMaze::State& start, const std::array<double, 2>& goal, int64_t length = 0);
  // Steps of a full plan: (rows - 1) stride + 1, with the rows the model was
  // trained on unless PlannerOptions::horizon asks for another length.
  int64_t horizon() const { return (rows_ - 1) * stride_ + 1; }
  // The shortest plan of at least `steps` steps (at least 2) that the
  // network makes, or horizon() when `steps` exceeds it.
  int64_t plan_length(int64_t steps) const;
  // The plan to make with `left` steps to a first plan's arrival, or 0 for
  // none (see DiffuserPolicy): the length plan_length() rounds `left` up to,
  // never under kMinReplanLength steps; a sparse planner takes the nearer of
  // the two lengths around `left` and makes none once `left` is below its
  // shortest plan.
  static constexpr int64_t kMinReplanLength = 8;
  int64_t replan_length(int64_t left) const;
  int64_t length_multiple() const { return length_multiple_; }  // of the model's rows
  int64_t stride() const { return stride_; }                    // steps between the model's rows
  int64_t steps() const { return options_.steps; }
  int64_t plans() const { return plans_; }

  // A sparse planner's plans then run through `low_level`'s segments rather
  // than the Hermite path; it must be dense and trained on plans of
  // stride() + 1 steps (HD's pairing). Throws Error otherwise.
  void set_low_level(std::unique_ptr<DiffuserPlanner> low_level);
  const DiffuserPlanner* low_level() const { return low_level_.get(); }
  // A dense planner's path through `subgoals` [n, 4] (n >= 2, data units)
  // `stride` steps apart, stride + 1 the horizon it was trained on (Error
  // otherwise): one plan of stride + 1 steps from each subgoal to
  // the next, all in one batch, joined into [(n - 1) stride + 1, 4] rows
  // with the subgoals at rows 0, stride, 2 stride, ...
  torch::Tensor fill_segments(const torch::Tensor& subgoals, int64_t stride);

 private:
  // `from`.size(0) trajectories of `rows` rows, from the states `from` to
  // `to` ([n, 4] each, data units), normalised: one batch, plan number plans().
  GenerateResult sample_between(const torch::Tensor& from, const torch::Tensor& to, int64_t rows,
                                int64_t trajectory_frames);
  // The fewest rows, a multiple of length_multiple() and at least 2, whose
  // plan spans at least `steps` steps.
  int64_t rows_spanning(int64_t steps) const;
  // Error unless this planner fills segments of `stride` + 1 steps.
  void check_segment_stride(int64_t stride) const;

  TrainedModel model_;
  PlannerOptions options_;
  Denoiser denoiser_;
  std::unique_ptr<Sampler> sampler_;
  int64_t rows_ = 0, length_multiple_ = 1, stride_ = 1, plans_ = 0;
  std::unique_ptr<DiffuserPlanner> low_level_;
};

// Diffuser's tracking controller (scripts/plan_maze2d.py): the action that
// steers `state` toward plan step `next` of `observations` [horizon, 4],
// (planned position - position) + (planned velocity - velocity); past the
// plan's end toward its last position at rest.
PointMaze::Action tracking_action(const torch::Tensor& observations, int64_t next, const PointMaze::State& state);

// Diffuser's execution of a plan: at step t of the plan the point is
// steered toward plan step t + 1 (tracking_action). With replan_every > 0
// the plan is made again from the current state every that many steps, as
// long as the steps left to the first plan's arrival allow one
// (DiffuserPlanner::replan_length), so that the goal is
// still reached when the first plan said. (A new plan of the full horizon would
// put the arrival off at every replan, and near the goal ask the model for
// a path that leaves it and comes back: docs/planning.md measures both.)
// A sparse planner makes lengths 60 steps apart (stride 15, rows a multiple
// of 4): each new plan is the one nearest the steps left, so its arrival
// is within 30 steps of the first plan's. Its shortest plan is 46 steps
// (a dense planner's: 8), and asked for so short a path near the goal its
// few rows wander off and back: it does not replan once fewer steps are
// left than its shortest plan spans, and the plan in hand, which ends at
// the goal at rest, is followed to its end.
//
// With replan_distance > 0 the plan is also made again, a full one, when the
// point is more than that far from where the plan puts it at this step (past
// the plan's end: from its goal): the point cannot follow the plan, most
// often because the plan crosses a wall the point is stuck against. The new
// plan gets the whole horizon to go around (the old arrival can no longer be
// kept; later replan_every replans keep the new one). The point is judged
// only kReplanSettleSteps after the episode's start or the last such plan,
// while the controller closes up to the plan; replan_every's own replans,
// which start from where the point is, do not restart that wait.
class DiffuserPolicy : public MazePolicy {
 public:
  static constexpr int64_t kReplanSettleSteps = 15;
  DiffuserPolicy(DiffuserPlanner& planner, int64_t replan_every = 0, double replan_distance = 0.0);
  void begin_episode(const PointMaze::State& state, const std::array<double, 2>& target) override;
  PointMaze::Action act(const PointMaze::State& state, int64_t t) override;
  int64_t plans() const override { return planner_.plans(); }
  // The episode's first plan.
  const MazePlan& first_plan() const { return first_plan_; }
  const MazePlan& current_plan() const { return plan_; }

 private:
  // Whether the point is more than replan_distance_ from the plan's position at step t.
  bool strayed(const PointMaze::State& state, int64_t t) const;

  DiffuserPlanner& planner_;
  int64_t replan_every_;
  double replan_distance_;
  std::array<double, 2> target_{};
  MazePlan plan_, first_plan_;
  int64_t plan_start_ = 0;  // the episode step the current plan began at
  int64_t settle_start_ = 0;  // the step of the episode's start or the last replan for straying
  int64_t arrival_ = 0;     // the episode step the first plan reaches the goal at
};

}  // namespace diffuse
