#include "diffuse/planning/maze_picture.h"

#include <algorithm>

namespace diffuse {

namespace {

constexpr int kCell = 48, kMargin = 8, kTitle = 20;
constexpr double kWallOffset = -0.2;  // walls at (i + 1, j + 1) in the world, the ball's body at 1.2

}  // namespace

Canvas draw_maze_path(const MazeLayout& layout, const std::vector<std::array<double, 2>>& path,
                      const std::array<double, 2>& goal, const std::string& title) {
  Canvas canvas(layout.cols() * kCell + 2 * kMargin, layout.rows() * kCell + 2 * kMargin + kTitle, {255, 255, 255});
  // The point (x, y) in pixels: y across, x down; cell (i, j) spans [i - 0.5, i + 0.5] around its centre.
  const auto px = [](double y) { return kMargin + (y + 0.5) * kCell; };
  const auto py = [](double x) { return kTitle + kMargin + (x + 0.5) * kCell; };
  canvas.draw_text(kMargin, 4, title, {40, 40, 40});
  canvas.fill_rect(kMargin, kTitle + kMargin, layout.cols() * kCell, layout.rows() * kCell, {236, 240, 244});
  canvas.draw_circle(px(goal[1]), py(goal[0]), 0.5 * kCell, {246, 208, 198});  // where the reward is 1
  for (int i = 0; i < layout.rows(); ++i) {
    for (int j = 0; j < layout.cols(); ++j) {
      if (!layout.is_wall(i, j)) continue;
      const int left = static_cast<int>(px(j - 0.5 + kWallOffset)), top = static_cast<int>(py(i - 0.5 + kWallOffset));
      canvas.fill_rect(left, top, kCell, kCell, {178, 128, 77});
    }
  }
  canvas.draw_circle(px(goal[1]), py(goal[0]), 5, {214, 96, 77});
  const size_t n = path.size();
  for (size_t k = 1; k < n; ++k) {
    const double f = static_cast<double>(k) / static_cast<double>(std::max<size_t>(n - 1, 1));
    const Rgb color{static_cast<std::uint8_t>(40 + 200 * f), 70, static_cast<std::uint8_t>(220 - 180 * f)};
    canvas.draw_line(px(path[k - 1][1]), py(path[k - 1][0]), px(path[k][1]), py(path[k][0]), color, 2);
  }
  if (n > 0) canvas.draw_circle(px(path.front()[1]), py(path.front()[0]), 5, {40, 70, 220});
  return canvas;
}

}  // namespace diffuse
