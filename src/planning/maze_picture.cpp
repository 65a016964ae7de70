#include "diffuse/planning/maze_picture.h"

#include <algorithm>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr int kMargin = 8, kTitle = 20;
constexpr double kWallOffset = -0.2;  // walls at (i + 1, j + 1) in the world, the ball's body at 1.2
const Rgb kPlanColor{46, 160, 67};

// The maze with its goal on a canvas of cells `cell` pixels wide; the
// returned functions map a point's y and x to pixels.
struct MazeFrame {
  Canvas canvas;
  int cell;
  double px(double y) const { return kMargin + (y + 0.5) * cell; }
  double py(double x) const { return kTitle + kMargin + (x + 0.5) * cell; }
};

MazeFrame draw_maze(const MazeLayout& layout, const std::array<double, 2>& goal, const std::string& title, int cell) {
  MazeFrame frame{Canvas(layout.cols() * cell + 2 * kMargin, layout.rows() * cell + 2 * kMargin + kTitle, {255, 255, 255}),
                  cell};
  Canvas& canvas = frame.canvas;
  // The point (x, y) in pixels: y across, x down; cell (i, j) spans [i - 0.5, i + 0.5] around its centre.
  const auto px = [&frame](double y) { return frame.px(y); };
  const auto py = [&frame](double x) { return frame.py(x); };
  canvas.draw_text(kMargin, 4, title, {40, 40, 40});
  canvas.fill_rect(kMargin, kTitle + kMargin, layout.cols() * cell, layout.rows() * cell, {236, 240, 244});
  canvas.draw_circle(px(goal[1]), py(goal[0]), 0.5 * cell, {246, 208, 198});  // where the reward is 1
  for (int i = 0; i < layout.rows(); ++i) {
    for (int j = 0; j < layout.cols(); ++j) {
      if (!layout.is_wall(i, j)) continue;
      const int left = static_cast<int>(px(j - 0.5 + kWallOffset)), top = static_cast<int>(py(i - 0.5 + kWallOffset));
      canvas.fill_rect(left, top, cell, cell, {178, 128, 77});
    }
  }
  canvas.draw_circle(px(goal[1]), py(goal[0]), std::max(2, cell / 10), {214, 96, 77});
  return frame;
}

void draw_plan(MazeFrame& frame, const std::vector<std::array<double, 2>>& plan, int radius) {
  for (const auto& point : plan) frame.canvas.draw_circle(frame.px(point[1]), frame.py(point[0]), radius, kPlanColor);
}

}  // namespace

Canvas draw_maze_path(const MazeLayout& layout, const std::vector<std::array<double, 2>>& path,
                      const std::array<double, 2>& goal, const std::string& title,
                      const std::vector<std::array<double, 2>>& plan) {
  MazeFrame frame = draw_maze(layout, goal, title, 48);
  draw_plan(frame, plan, 2);
  Canvas& canvas = frame.canvas;
  const auto px = [&frame](double y) { return frame.px(y); };
  const auto py = [&frame](double x) { return frame.py(x); };
  const size_t n = path.size();
  for (size_t k = 1; k < n; ++k) {
    const double f = static_cast<double>(k) / static_cast<double>(std::max<size_t>(n - 1, 1));
    const Rgb color{static_cast<std::uint8_t>(40 + 200 * f), 70, static_cast<std::uint8_t>(220 - 180 * f)};
    canvas.draw_line(px(path[k - 1][1]), py(path[k - 1][0]), px(path[k][1]), py(path[k][0]), color, 2);
  }
  if (n > 0) canvas.draw_circle(px(path.front()[1]), py(path.front()[0]), 5, {40, 70, 220});
  return canvas;
}

Canvas draw_plan_denoising(const MazeLayout& layout, const std::vector<std::vector<std::array<double, 2>>>& frames,
                           const std::vector<std::string>& labels, const std::array<double, 2>& goal) {
  check(frames.size() == labels.size() && !frames.empty(), "plan picture: one label per frame, at least one frame");
  const int cell = 20;
  std::vector<Canvas> pictures;
  for (size_t f = 0; f < frames.size(); ++f) {
    MazeFrame frame = draw_maze(layout, goal, labels[f], cell);
    draw_plan(frame, frames[f], 1);
    pictures.push_back(std::move(frame.canvas));
  }
  Canvas strip(static_cast<int>(pictures.size()) * pictures.front().width(), pictures.front().height(), {255, 255, 255});
  for (size_t f = 0; f < pictures.size(); ++f) strip.blit(pictures[f], static_cast<int>(f) * pictures.front().width(), 0);
  return strip;
}

}  // namespace diffuse
