#include "diffuse/io/class_grid.h"

#include <algorithm>

#include <torch/torch.h>

#include "diffuse/io/grid.h"
#include "diffuse/io/image.h"
#include "diffuse/io/plot.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr int kMargin = 6;
constexpr Rgb kInk{20, 20, 20};

// `body` under a one-line title.
Canvas with_title(const Canvas& body, const std::string& title) {
  const int title_height = Canvas::text_height(1) + 2 * kMargin;
  Canvas framed(std::max(body.width(), Canvas::text_width(title, 1) + 2 * kMargin), body.height() + title_height);
  framed.draw_text(kMargin, kMargin, title, kInk, 1);
  framed.blit(body, 0, title_height);
  return framed;
}

Canvas image_rows(const torch::Tensor& samples, int64_t per_class, const std::vector<std::string>& names) {
  const int64_t size = samples.size(3);
  const int64_t scale = std::clamp<int64_t>(64 / std::max<int64_t>(size, 1), 1, 4);
  const Canvas grid = to_canvas(upscale_nearest(make_grid(samples, per_class), scale));
  int label_width = 0;
  for (const std::string& name : names) label_width = std::max(label_width, Canvas::text_width(name, 1));
  label_width += 2 * kMargin;
  Canvas picture(grid.width() + label_width, grid.height());
  picture.blit(grid, label_width, 0);
  // make_grid pads 2 pixels around every image; each row is (size + 2) * scale tall after upscaling.
  const double row_height = static_cast<double>(grid.height()) / static_cast<double>(names.size());
  for (size_t row = 0; row < names.size(); ++row) {
    const int y = static_cast<int>((static_cast<double>(row) + 0.5) * row_height) - Canvas::text_height(1) / 2;
    picture.draw_text(kMargin, y, names[row], kInk, 1);
  }
  return picture;
}

Canvas point_panels(const torch::Tensor& samples, int64_t per_class, const std::vector<std::string>& names) {
  constexpr int kPanel = 240;
  const auto columns = static_cast<int>(std::min<size_t>(names.size(), 4));
  const auto rows = static_cast<int>((names.size() + 3) / 4);
  Canvas picture(columns * kPanel, rows * kPanel);
  for (size_t k = 0; k < names.size(); ++k) {
    ScatterPlotOptions options;
    options.title = names[k];
    options.size = kPanel;
    const auto first = static_cast<int64_t>(k) * per_class;
    picture.blit(render_points(samples.slice(0, first, first + per_class), options),
                 static_cast<int>(k % 4) * kPanel, static_cast<int>(k / 4) * kPanel);
  }
  return picture;
}

}  // namespace

Canvas render_class_rows(const torch::Tensor& samples, int64_t per_class, const std::vector<std::string>& class_names,
                         const std::string& title) {
  check(!class_names.empty() && per_class >= 1 &&
            samples.size(0) == per_class * static_cast<int64_t>(class_names.size()),
        "class rows: expected " + std::to_string(per_class) + " samples for each of " +
            std::to_string(class_names.size()) + " classes, got " + std::to_string(samples.size(0)));
  const bool points = samples.dim() == 2 && samples.size(1) == 2;
  check(points || samples.dim() == 4, "class rows: expected images or 2-D points, got " + c10::str(samples.sizes()));
  const Canvas body = points ? point_panels(samples, per_class, class_names) : image_rows(samples, per_class, class_names);
  return title.empty() ? body : with_title(body, title);
}

}  // namespace diffuse
