#include "diffuse/planning/maze.h"

#include <algorithm>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// D4RL's layouts (d4rl/pointmaze/maze_model.py), rows separated by '\'.
const MazeTask kTasks[] = {
    {"maze2d-umaze", "#####\\#GOO#\\###O#\\#OOO#\\#####", 300, 23.85, 161.86},
    {"maze2d-medium",
     "########\\#OO##OO#\\#OO#OOO#\\##OOO###\\#OO#OOO#\\#O#OO#O#\\#OOO#OG#\\########", 600, 13.13, 277.39},
    {"maze2d-large",
     "############\\#OOOO#OOOOO#\\#O##O#O#O#O#\\#OOOOOO#OOO#\\#O####O###O#\\#OO#O#OOOOO#\\##O#O#O#O###\\"
     "#OO#OOO#OGO#\\############",
     800, 6.7, 273.99},
};

}  // namespace

MazeLayout MazeLayout::parse(const std::string& text) {
  MazeLayout layout;
  std::string row;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\\') {
      if (!row.empty()) layout.lines_.push_back(row);
      row.clear();
    } else {
      const char c = text[i];
      check(c == '#' || c == 'O' || c == ' ' || c == '0' || c == 'G',
            std::string("maze: unknown tile '") + c + "' (expected #, O or G)");
      row.push_back(c == ' ' || c == '0' ? 'O' : c);
    }
  }
  check(!layout.lines_.empty(), "maze: no rows");
  layout.rows_ = static_cast<int>(layout.lines_.size());
  layout.cols_ = static_cast<int>(layout.lines_.front().size());
  for (const std::string& line : layout.lines_) {
    check(static_cast<int>(line.size()) == layout.cols_, "maze: rows of different lengths");
  }
  return layout;
}

bool MazeLayout::is_wall(int row, int col) const {
  if (row < 0 || col < 0 || row >= rows_ || col >= cols_) return true;
  return lines_[static_cast<size_t>(row)][static_cast<size_t>(col)] == '#';
}

std::vector<std::pair<int, int>> MazeLayout::reset_cells() const {
  std::vector<std::pair<int, int>> cells;
  for (int i = 0; i < rows_; ++i) {
    for (int j = 0; j < cols_; ++j) {
      if (lines_[static_cast<size_t>(i)][static_cast<size_t>(j)] == 'O') cells.emplace_back(i, j);
    }
  }
  for (int i = 0; i < rows_; ++i) {
    for (int j = 0; j < cols_; ++j) {
      if (lines_[static_cast<size_t>(i)][static_cast<size_t>(j)] == 'G') cells.emplace_back(i, j);
    }
  }
  return cells;
}

std::pair<int, int> MazeLayout::goal() const {
  for (int i = 0; i < rows_; ++i) {
    for (int j = 0; j < cols_; ++j) {
      if (lines_[static_cast<size_t>(i)][static_cast<size_t>(j)] == 'G') return {i, j};
    }
  }
  throw Error("maze: no goal cell 'G'");
}

const MazeTask& maze_task(const std::string& name) {
  for (const MazeTask& task : kTasks) {
    if (task.name == name) return task;
  }
  std::string names;
  for (const MazeTask& task : kTasks) names += (names.empty() ? "" : ", ") + task.name;
  throw Error("unknown environment '" + name + "': expected " + names);
}

std::vector<std::string> maze_task_names() {
  std::vector<std::string> names;
  for (const MazeTask& task : kTasks) names.push_back(task.name);
  return names;
}

std::string preset_maze(const std::string& preset) {
  for (const MazeTask& task : kTasks) {
    if (preset == task.name || preset == task.name + "-sparse" || preset == task.name + "-low") return task.name;
  }
  return "";
}

bool is_low_level_preset(const std::string& preset) {
  const std::string maze = preset_maze(preset);
  return !maze.empty() && preset == maze + "-low";
}

bool preset_fits_maze(const std::string& preset, const std::string& maze) {
  const std::string own = preset_maze(preset);
  return own.empty() || own == maze;
}

double normalized_score(const MazeTask& task, double mean_return) {
  return 100.0 * (mean_return - task.ref_min_score) / (task.ref_max_score - task.ref_min_score);
}

}  // namespace diffuse
