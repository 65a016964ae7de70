#include "diffuse/io/misclassified_sheet.h"

#include <algorithm>

#include <torch/torch.h>

#include "diffuse/io/contact_sheet.h"
#include "diffuse/io/grid.h"
#include "diffuse/io/image.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr int kMargin = 6;
constexpr Rgb kInk{20, 20, 20};

// The classes that occur in `classes` (int64 [M], each below `count`), in class order.
std::vector<int64_t> occurring(const torch::Tensor& classes, int64_t count) {
  const torch::Tensor present = torch::bincount(classes, {}, count).nonzero().flatten().contiguous();
  return {present.data_ptr<int64_t>(), present.data_ptr<int64_t>() + present.numel()};
}

Canvas text_only(const std::string& title, const std::string& line) {
  const int width = std::max(Canvas::text_width(title), Canvas::text_width(line)) + 2 * kMargin;
  Canvas canvas(width, 2 * Canvas::text_height() + 3 * kMargin);
  canvas.draw_text(kMargin, kMargin, title, kInk);
  canvas.draw_text(kMargin, 2 * kMargin + Canvas::text_height(), line, kInk);
  return canvas;
}

}  // namespace

Canvas render_misclassified(const torch::Tensor& images, const torch::Tensor& asked, const torch::Tensor& judged,
                            const std::vector<std::string>& class_names, const std::string& title_prefix,
                            const std::string& given) {
  check(images.dim() == 4, "misclassified sheet: expected images [N, C, H, W]");
  const int64_t n = images.size(0);
  check(asked.dim() == 1 && judged.dim() == 1 && asked.size(0) == n && judged.size(0) == n,
        "misclassified sheet: expected one asked and one judged class per image");
  const torch::Tensor asked_cpu = asked.to(torch::kCPU, torch::kLong), judged_cpu = judged.to(torch::kCPU, torch::kLong);
  const auto classes = static_cast<int64_t>(class_names.size());
  check(n == 0 || (asked_cpu.min().item<int64_t>() >= 0 && judged_cpu.min().item<int64_t>() >= 0 &&
                   asked_cpu.max().item<int64_t>() < classes && judged_cpu.max().item<int64_t>() < classes),
        "misclassified sheet: a class index outside the " + std::to_string(classes) + " class names");
  const torch::Tensor missed = asked_cpu.ne(judged_cpu);
  const int64_t misses = missed.sum().item<int64_t>();
  const std::string title = (title_prefix.empty() ? "" : title_prefix + ": ") + std::to_string(misses) + " of " +
                            std::to_string(n) + " judged another class than " + given;
  if (misses == 0) return text_only(title, "every one was judged the class " + given);

  const torch::Tensor miss_images = images.index({missed}).to(torch::kCPU, torch::kFloat32);
  const torch::Tensor miss_asked = asked_cpu.index({missed}), miss_judged = judged_cpu.index({missed});
  const std::vector<int64_t> rows = occurring(miss_asked, classes), columns = occurring(miss_judged, classes);
  const int64_t scale = std::clamp<int64_t>(64 / std::max<int64_t>(images.size(3), 1), 1, 4);  // as class rows

  std::vector<std::vector<Canvas>> cells;
  std::vector<std::string> row_labels, column_labels;
  for (int64_t c : columns) column_labels.push_back("judged " + class_names[static_cast<size_t>(c)]);
  for (int64_t a : rows) {
    const torch::Tensor of_row = miss_asked.eq(a);
    const int64_t asked_total = asked_cpu.eq(a).sum().item<int64_t>();
    row_labels.push_back(given + " " + class_names[static_cast<size_t>(a)] + " (" +
                         std::to_string(of_row.sum().item<int64_t>()) + " of " + std::to_string(asked_total) + ")");
    std::vector<Canvas> row;
    for (int64_t c : columns) {
      const torch::Tensor pair = miss_images.index({of_row.logical_and(miss_judged.eq(c))});
      if (pair.size(0) == 0) {
        row.emplace_back(1, 1);  // blank: no sample of this class was judged that one
        continue;
      }
      const torch::Tensor shown = pair.slice(0, 0, kMissesPerCell);
      row.push_back(to_canvas(upscale_nearest(make_grid(shown, std::min<int64_t>(shown.size(0), 4)), scale)));
    }
    cells.push_back(std::move(row));
  }
  return render_contact_sheet(cells, row_labels, column_labels, title);
}

}  // namespace diffuse
