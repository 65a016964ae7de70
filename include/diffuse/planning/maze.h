#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace diffuse {

// A maze of D4RL's Maze2D (d4rl/pointmaze/maze_model.py): a grid of walls and
// free cells, row i and column j; cell (i, j) is the point (i, j) of the
// point mass's coordinates.
class MazeLayout {
 public:
  // D4RL's notation: rows separated by '\', '#' a wall, 'O' (or ' ', '0')
  // free, 'G' the goal. Throws Error on anything else or ragged rows.
  static MazeLayout parse(const std::string& text);

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  // Outside the grid counts as wall.
  bool is_wall(int row, int col) const;
  // Where D4RL resets the point mass: the free cells in sorted order, then
  // the goal (MazeEnv.empty_and_goal_locations).
  std::vector<std::pair<int, int>> reset_cells() const;
  // The 'G' cell; throws Error when there is none.
  std::pair<int, int> goal() const;
  // The rows, as D4RL writes them.
  std::vector<std::string> lines() const { return lines_; }

 private:
  int rows_ = 0, cols_ = 0;
  std::vector<std::string> lines_;
};

// A named Maze2D environment of D4RL (v1): its layout, episode length and
// the reference returns its normalised score is measured between (a uniform
// random policy and D4RL's waypoint controller, 100 episodes each).
struct MazeTask {
  std::string name;    // maze2d-umaze, maze2d-medium, maze2d-large
  std::string layout;  // D4RL's string
  int64_t episode_steps;
  double ref_min_score, ref_max_score;
};

// Throws Error naming the known ones for an unknown name.
const MazeTask& maze_task(const std::string& name);
std::vector<std::string> maze_task_names();

// The maze a preset's planner is made for: "maze2d-umaze" for maze2d-umaze,
// for its sparse planner maze2d-umaze-sparse and for that one's low level
// maze2d-umaze-low, ...; empty for a preset named after no maze.
std::string preset_maze(const std::string& preset);
// A low level (maze2d-*-low): it fills a sparse plan's segments and plans
// nothing on its own.
bool is_low_level_preset(const std::string& preset);
// A preset named after a maze makes a planner of that maze's corridors
// alone: false when `preset` is another maze's (any other preset fits every maze).
bool preset_fits_maze(const std::string& preset, const std::string& maze);

// D4RL's normalised score: 100 (R - min) / (max - min).
double normalized_score(const MazeTask& task, double mean_return);

}  // namespace diffuse
