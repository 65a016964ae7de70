#include "diffuse/planning/maze_dataset.h"

#include <algorithm>
#include <random>

#include <torch/torch.h>

#include "diffuse/io/safetensors.h"
#include "diffuse/planning/point_maze.h"
#include "diffuse/planning/waypoint_controller.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr const char* kFormat = "diffuse-maze2d-v1";

}  // namespace

std::vector<std::pair<int64_t, int64_t>> MazeDataset::episodes() const {
  std::vector<std::pair<int64_t, int64_t>> result;
  const int64_t n = size();
  if (n == 0) return result;
  const torch::Tensor changed = goals.slice(0, 1).ne(goals.slice(0, 0, n - 1)).any(1).to(torch::kUInt8).contiguous();
  const auto* flags = changed.data_ptr<std::uint8_t>();  // `changed` holds the data
  int64_t begin = 0;
  for (int64_t k = 1; k < n; ++k) {
    if (flags[k - 1] != 0) {
      result.emplace_back(begin, k);
      begin = k;
    }
  }
  result.emplace_back(begin, n);
  return result;
}

MazeDataset collect_maze_dataset(const MazeTask& task, const MazeCollectOptions& options) {
  check(options.steps >= 1, "plan collect: at least one step");
  check(options.action_noise >= 0.0, "plan collect: the action noise must be >= 0");
  const MazeLayout layout = MazeLayout::parse(task.layout);
  const std::vector<std::pair<int, int>> cells = layout.reset_cells();
  PointMaze env(layout);
  std::mt19937_64 env_rng(options.seed), goal_rng(options.seed ^ 0x94D049BB133111EBULL),
      noise_rng(options.seed ^ 0x2545F4914F6CDD1DULL);
  WaypointController controller(layout, options.seed ^ 0xBF58476D1CE4E5B9ULL);
  std::uniform_int_distribution<size_t> cell(0, cells.size() - 1);
  std::uniform_real_distribution<double> jitter(-0.1, 0.1);
  std::normal_distribution<double> noise(0.0, 1.0);
  auto new_goal = [&] {
    const auto [row, col] = cells[cell(goal_rng)];
    env.set_target({row + jitter(goal_rng), col + jitter(goal_rng)});
  };

  MazeDataset data;
  data.env = task.name;
  data.seed = options.seed;
  data.action_noise = options.action_noise;
  data.observations = torch::empty({options.steps, 4}, torch::kFloat32);
  data.actions = torch::empty({options.steps, 2}, torch::kFloat32);
  data.goals = torch::empty({options.steps, 2}, torch::kFloat32);
  data.goal_reached = torch::zeros({options.steps}, torch::kUInt8);
  auto* obs = data.observations.data_ptr<float>();
  auto* act = data.actions.data_ptr<float>();
  auto* goal = data.goals.data_ptr<float>();
  auto* reached = data.goal_reached.data_ptr<std::uint8_t>();

  new_goal();
  PointMaze::State state = env.reset(env_rng);
  int64_t since_goal = 0;
  for (int64_t k = 0; k < options.steps; ++k) {
    PointMaze::Action action = controller.action({state[0], state[1]}, {state[2], state[3]}, env.target());
    const bool arrived = controller.reached();
    for (double& a : action) a = std::clamp(a + options.action_noise * noise(noise_rng), -1.0, 1.0);
    for (int i = 0; i < 4; ++i) obs[k * 4 + i] = static_cast<float>(state[static_cast<size_t>(i)]);
    for (int i = 0; i < 2; ++i) {
      act[k * 2 + i] = static_cast<float>(action[static_cast<size_t>(i)]);
      goal[k * 2 + i] = static_cast<float>(env.target()[static_cast<size_t>(i)]);
    }
    reached[k] = arrived ? 1 : 0;
    state = env.step(action);
    // A new goal on arrival, or after an episode's worth of steps (D4RL's loop).
    if (arrived || ++since_goal >= task.episode_steps) {
      new_goal();
      since_goal = 0;
    }
    if (options.on_progress && ((k + 1) % 10000 == 0 || k + 1 == options.steps)) options.on_progress(k + 1, options.steps);
  }
  return data;
}

void save_maze_dataset(const std::string& path, const MazeDataset& dataset) {
  TensorFile file;
  file.tensors = {{"observations", dataset.observations},
                  {"actions", dataset.actions},
                  {"goals", dataset.goals},
                  {"goal_reached", dataset.goal_reached}};
  file.metadata = {{"format", kFormat},
                   {"env", dataset.env},
                   {"seed", std::to_string(dataset.seed)},
                   {"action_noise", std::to_string(dataset.action_noise)}};
  save_safetensors(path, file);
}

MazeDataset load_maze_dataset(const std::string& path) {
  const TensorFile file = load_safetensors(path);
  const auto meta = [&](const std::string& key) {
    const auto found = file.metadata.find(key);
    check(found != file.metadata.end(), path + ": not a Maze2D dataset (no '" + key + "' in its metadata)");
    return found->second;
  };
  check(meta("format") == kFormat, path + ": format '" + meta("format") + "', expected " + kFormat);
  MazeDataset data;
  data.env = maze_task(meta("env")).name;  // an unknown environment is an error here
  data.seed = std::stoull(meta("seed"));
  data.action_noise = std::stod(meta("action_noise"));
  const auto tensor = [&](const std::string& name, int64_t columns, torch::ScalarType dtype) {
    const auto found = file.tensors.find(name);
    check(found != file.tensors.end(), path + ": no tensor '" + name + "'");
    const torch::Tensor& t = found->second;
    const bool shaped = columns == 0 ? t.dim() == 1 : (t.dim() == 2 && t.size(1) == columns);
    check(shaped && t.scalar_type() == dtype,
          path + ": tensor '" + name + "' is " + c10::str(t.sizes()) + " " + c10::toString(t.scalar_type()) +
              ", expected [N" + (columns == 0 ? "" : ", " + std::to_string(columns)) + "] " + c10::toString(dtype));
    check(dtype != torch::kFloat32 || torch::isfinite(t).all().item<bool>(),
          path + ": tensor '" + name + "' holds NaN or infinite values");
    return t;
  };
  data.observations = tensor("observations", 4, torch::kFloat32);
  data.actions = tensor("actions", 2, torch::kFloat32);
  data.goals = tensor("goals", 2, torch::kFloat32);
  data.goal_reached = tensor("goal_reached", 0, torch::kUInt8);
  const int64_t n = data.observations.size(0);
  check(n >= 1 && data.actions.size(0) == n && data.goals.size(0) == n && data.goal_reached.size(0) == n,
        path + ": the tensors hold different numbers of rows");
  return data;
}

}  // namespace diffuse
