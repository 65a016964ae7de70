#include "diffuse/planning/waypoint_controller.h"

#include <algorithm>
#include <cmath>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// gridcraft's actions in its order: stay, up (0, -1), down (0, +1), left (-1, 0), right (+1, 0),
// as (row, column) steps.
constexpr int kMoves[5][2] = {{0, 0}, {0, -1}, {0, 1}, {-1, 0}, {1, 0}};
constexpr double kSolveThreshold = 0.1, kVelocityThreshold = 0.1, kProportionalGain = 10.0, kDerivativeGain = -1.0;

std::pair<int, int> grid_cell(const std::array<double, 2>& point) {
  return {static_cast<int>(std::lround(point[0])), static_cast<int>(std::lround(point[1]))};
}

double distance(const std::array<double, 2>& a, const std::array<double, 2>& b) {
  return std::hypot(a[0] - b[0], a[1] - b[1]);
}

}  // namespace

WaypointController::WaypointController(const MazeLayout& layout, std::uint64_t seed) : layout_(layout), rng_(seed) {}

void WaypointController::reset() { planned_ = false; }

std::vector<std::pair<int, int>> WaypointController::grid_path(std::pair<int, int> start,
                                                               std::pair<int, int> target) const {
  check(!layout_.is_wall(start.first, start.second), "maze: the start lies in a wall");
  check(!layout_.is_wall(target.first, target.second), "maze: the target lies in a wall");
  const int rows = layout_.rows(), cols = layout_.cols();
  auto index = [cols](int r, int c) { return static_cast<size_t>(r * cols + c); };
  // A move into a wall or off the grid stays (gridcraft's transition with teps = 0).
  auto next = [&](int r, int c, int a) {
    const int nr = r + kMoves[a][0], nc = c + kMoves[a][1];
    return layout_.is_wall(nr, nc) ? std::pair{r, c} : std::pair{nr, nc};
  };
  // Q(s, a) = R(s) + 0.99 max_a' Q(s', a'), R = 1 at the target: 50 sweeps from Q = 0.
  std::vector<std::array<double, 5>> q(static_cast<size_t>(rows * cols), std::array<double, 5>{});
  for (int sweep = 0; sweep < 50; ++sweep) {
    std::vector<double> value(q.size());
    for (size_t s = 0; s < q.size(); ++s) value[s] = *std::max_element(q[s].begin(), q[s].end());
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const double reward = std::pair{r, c} == target ? 1.0 : 0.0;
        for (int a = 0; a < 5; ++a) {
          const auto [nr, nc] = next(r, c, a);
          q[index(r, c)][static_cast<size_t>(a)] = reward + 0.99 * value[index(nr, nc)];
        }
      }
    }
  }
  std::vector<std::pair<int, int>> path{start};
  for (int move = 0; move < 100 && path.back() != target; ++move) {
    const auto& values = q[index(path.back().first, path.back().second)];
    const int best = static_cast<int>(std::max_element(values.begin(), values.end()) - values.begin());  // first maximum
    path.push_back(next(path.back().first, path.back().second, best));
  }
  check(path.back() == target, "maze: no path from the start to the target");
  return path;
}

void WaypointController::plan(const std::array<double, 2>& position, std::pair<int, int> target_cell) {
  const std::vector<std::pair<int, int>> path = grid_path(grid_cell(position), target_cell);
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  waypoints_.clear();
  for (size_t k = 1; k < path.size(); ++k) {
    std::array<double, 2> waypoint{static_cast<double>(path[k].first), static_cast<double>(path[k].second)};
    if (path[k] != target_cell) {
      const double u = jitter(rng_), v = jitter(rng_);
      waypoint[0] -= 0.2 * u;
      waypoint[1] -= 0.2 * v;
    }
    waypoints_.push_back(waypoint);
  }
  if (waypoints_.empty()) waypoints_.push_back({static_cast<double>(target_cell.first), static_cast<double>(target_cell.second)});
  waypoint_ = 0;
  previous_position_ = position;
  target_cell_ = target_cell;
  target_ = {static_cast<double>(target_cell.first), static_cast<double>(target_cell.second)};
  planned_ = true;
}

std::array<double, 2> WaypointController::action(const std::array<double, 2>& position,
                                                 const std::array<double, 2>& velocity,
                                                 const std::array<double, 2>& target) {
  if (!planned_ || grid_cell(target) != target_cell_) plan(position, grid_cell(target));
  const double moved = distance(previous_position_, position);
  const bool solved = distance(position, target_) < kSolveThreshold && moved < kVelocityThreshold;
  reached_ = solved;
  const std::array<double, 2> goal = solved ? target_ : waypoints_[waypoint_];
  std::array<double, 2> action{};
  for (size_t k = 0; k < 2; ++k) {
    action[k] = std::clamp(kProportionalGain * (goal[k] - position[k]) + kDerivativeGain * velocity[k], -1.0, 1.0);
  }
  if (!solved && distance(position, goal) < kSolveThreshold && moved < kVelocityThreshold &&
      waypoint_ + 1 < waypoints_.size()) {
    ++waypoint_;
  }
  previous_position_ = position;
  return action;
}

}  // namespace diffuse
