#pragma once

#include <array>
#include <string>
#include <vector>

#include "diffuse/io/canvas.h"
#include "diffuse/planning/maze.h"

namespace diffuse {

// A picture of a maze seen from above, laid out as D4RL writes it (row i
// down, column j across), with walls where MuJoCo has them (0.2 below their
// cells in the point's coordinates), a path of points [x, y] drawn from
// blue (start) to red (end), the start and the goal (its 0.5 reward circle).
Canvas draw_maze_path(const MazeLayout& layout, const std::vector<std::array<double, 2>>& path,
                      const std::array<double, 2>& goal, const std::string& title);

}  // namespace diffuse
