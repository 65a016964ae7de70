#include "diffuse/io/grid.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "diffuse/io/image.h"
#include "diffuse/util/error.h"

namespace diffuse {

torch::Tensor make_grid(const torch::Tensor& images, int64_t columns, int64_t padding, double pad_value) {
  check(images.dim() == 4 && images.size(0) >= 1, "make_grid: expected [N, C, H, W] images, got " + c10::str(images.sizes()));
  check(padding >= 0, "make_grid: padding must be >= 0");
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  if (columns <= 0) columns = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  columns = std::min(columns, n);
  const int64_t rows = (n + columns - 1) / columns;
  torch::Tensor grid = torch::full({c, rows * (h + padding) + padding, columns * (w + padding) + padding}, pad_value,
                                   images.options().device(torch::kCPU));
  const torch::Tensor cpu = images.detach().to(torch::kCPU);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t top = (i / columns) * (h + padding) + padding;
    const int64_t left = (i % columns) * (w + padding) + padding;
    grid.slice(1, top, top + h).slice(2, left, left + w).copy_(cpu[i]);
  }
  return grid;
}

torch::Tensor upscale_nearest(const torch::Tensor& image, int64_t factor) {
  check(image.dim() == 3 && factor >= 1, "upscale_nearest: expected [C, H, W] and a factor >= 1");
  if (factor == 1) return image;
  return image.repeat_interleave(factor, 1).repeat_interleave(factor, 2);
}

Canvas to_display_canvas(const torch::Tensor& image, int64_t target) {
  check(image.dim() == 3, "to_display_canvas: expected [C, H, W]");
  return to_canvas(upscale_nearest(image, std::max<int64_t>(1, target / std::max(image.size(1), image.size(2)))));
}

Canvas render_strips(const torch::Tensor& frames, const std::vector<std::string>& column_captions, int64_t scale,
                     const std::string& title) {
  check(frames.dim() == 5, "render_strips: expected frames [F, N, C, H, W], got " + c10::str(frames.sizes()));
  const int64_t num_frames = frames.size(0), rows = frames.size(1);
  const int cell_h = static_cast<int>(frames.size(3) * scale), cell_w = static_cast<int>(frames.size(4) * scale);
  constexpr int kGap = 4, kMargin = 8, kTextScale = 1;
  const int caption_width = [&] {
    int widest = 0;
    for (const auto& caption : column_captions) widest = std::max(widest, Canvas::text_width(caption, kTextScale));
    return widest;
  }();
  const int column_w = std::max(cell_w, caption_width + 2);
  const int title_h = title.empty() ? 0 : Canvas::text_height(2) + kMargin;
  const int caption_h = column_captions.empty() ? 0 : Canvas::text_height(kTextScale) + kGap;
  const int width = 2 * kMargin + static_cast<int>(num_frames) * (column_w + kGap) - kGap;
  const int height = 2 * kMargin + title_h + static_cast<int>(rows) * (cell_h + kGap) - kGap + caption_h;
  Canvas canvas(std::max(width, Canvas::text_width(title, 2) + 2 * kMargin), height);
  if (!title.empty()) canvas.draw_text(kMargin, kMargin, title, {20, 20, 20}, 2);
  for (int64_t f = 0; f < num_frames; ++f) {
    const int left = kMargin + static_cast<int>(f) * (column_w + kGap);
    for (int64_t r = 0; r < rows; ++r) {
      const Canvas cell = to_canvas(upscale_nearest(frames[f][r], scale));
      canvas.blit(cell, left + (column_w - cell_w) / 2, kMargin + title_h + static_cast<int>(r) * (cell_h + kGap));
    }
    if (static_cast<size_t>(f) < column_captions.size()) {
      const std::string& caption = column_captions[static_cast<size_t>(f)];
      canvas.draw_text(left + (column_w - Canvas::text_width(caption, kTextScale)) / 2,
                       kMargin + title_h + static_cast<int>(rows) * (cell_h + kGap), caption, {60, 60, 60}, kTextScale);
    }
  }
  return canvas;
}

}  // namespace diffuse
