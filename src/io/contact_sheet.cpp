#include "diffuse/io/contact_sheet.h"

#include <algorithm>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr int kGap = 6;
constexpr Rgb kInk{0, 0, 0};
constexpr Rgb kPaper{255, 255, 255};

}  // namespace

Canvas render_contact_sheet(const std::vector<std::vector<Canvas>>& cells, const std::vector<std::string>& row_labels,
                            const std::vector<std::string>& column_labels, const std::string& title) {
  check(!cells.empty(), "contact sheet: no rows");
  const size_t columns = cells.front().size();
  check(columns > 0, "contact sheet: no columns");
  for (const auto& row : cells) check(row.size() == columns, "contact sheet: rows of different lengths");
  check(row_labels.size() == cells.size() && column_labels.size() == columns,
        "contact sheet: one label per row and per column");

  std::vector<int> widths(columns, 0), heights(cells.size(), 0);
  for (size_t r = 0; r < cells.size(); ++r) {
    for (size_t c = 0; c < columns; ++c) {
      widths[c] = std::max({widths[c], cells[r][c].width(), Canvas::text_width(column_labels[c])});
      heights[r] = std::max(heights[r], cells[r][c].height());
    }
  }
  int label_width = 0;
  for (const auto& label : row_labels) label_width = std::max(label_width, Canvas::text_width(label));
  const int text_h = Canvas::text_height();
  const int title_h = title.empty() ? 0 : text_h + 2 * kGap;
  const int left = kGap + label_width + kGap;
  const int top = title_h + text_h + kGap;
  int width = left, height = top;
  for (int w : widths) width += w + kGap;
  for (int h : heights) height += h + kGap;

  Canvas sheet(std::max(width, Canvas::text_width(title) + 2 * kGap), height, kPaper);
  if (!title.empty()) sheet.draw_text(kGap, kGap, title, kInk);
  int x = left;
  for (size_t c = 0; c < columns; ++c) {
    sheet.draw_text(x + (widths[c] - Canvas::text_width(column_labels[c])) / 2, title_h, column_labels[c], kInk);
    x += widths[c] + kGap;
  }
  int y = top;
  for (size_t r = 0; r < cells.size(); ++r) {
    sheet.draw_text(kGap, y + (heights[r] - text_h) / 2, row_labels[r], kInk);
    x = left;
    for (size_t c = 0; c < columns; ++c) {
      const Canvas& cell = cells[r][c];
      sheet.blit(cell, x + (widths[c] - cell.width()) / 2, y + (heights[r] - cell.height()) / 2);
      x += widths[c] + kGap;
    }
    y += heights[r] + kGap;
  }
  return sheet;
}

}  // namespace diffuse
