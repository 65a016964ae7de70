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
// A planned path, when given, is drawn under it as a dotted green line.
Canvas draw_maze_path(const MazeLayout& layout, const std::vector<std::array<double, 2>>& path,
                      const std::array<double, 2>& goal, const std::string& title,
                      const std::vector<std::array<double, 2>>& plan = {});

// A plan being denoised: one small maze per frame, left to right, each with
// the plan's positions at that stage and its label ("t=63", ..., "plan").
Canvas draw_plan_denoising(const MazeLayout& layout, const std::vector<std::vector<std::array<double, 2>>>& frames,
                           const std::vector<std::string>& labels, const std::array<double, 2>& goal);

}  // namespace diffuse
