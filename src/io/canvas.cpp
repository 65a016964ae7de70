#include "diffuse/io/canvas.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <stdexcept>

namespace diffuse {
namespace {

constexpr int kFirstGlyph = 32;  // ' '
constexpr int kLastGlyph = 126;  // '~'

// 5x7 bitmap font for printable ASCII 32..126: the seven rows from the top of
// the cell down to the baseline, one byte per row, bit 4 = leftmost column.
// The shapes follow the classic HD44780-style 5x7 character-LCD layout (the
// de-facto public-domain 5x7 design), redrawn by hand for this file. Unlike
// that layout, descenders are not squeezed into the 7 rows (which makes g/q
// look like 9): kDescenders below adds two rows under the baseline.
constexpr std::array<std::array<std::uint8_t, Canvas::kCapHeight>, kLastGlyph - kFirstGlyph + 1>
    kGlyphRows = {{
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04},  // sp !
    {0x0A, 0x0A, 0x0A, 0x00, 0x00, 0x00, 0x00}, {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A},  // " #
    {0x04, 0x0F, 0x14, 0x0E, 0x05, 0x1E, 0x04}, {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03},  // $ %
    {0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D}, {0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00},  // & '
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}, {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08},  // ( )
    {0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00}, {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00},  // * +
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}, {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00},  // , -
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}, {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00},  // . /
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},  // 0 1
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},  // 2 3
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},  // 4 5
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},  // 6 7
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},  // 8 9
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}, {0x00, 0x0C, 0x0C, 0x00, 0x00, 0x0C, 0x0C},  // : ;
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02}, {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00},  // < =
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}, {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04},  // > ?
    {0x0E, 0x11, 0x01, 0x0D, 0x15, 0x15, 0x0E}, {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11},  // @ A
    {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}, {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E},  // B C
    {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}, {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F},  // D E
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}, {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F},  // F G
    {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E},  // H I
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}, {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11},  // J K
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}, {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11},  // L M
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},  // N O
    {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}, {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D},  // P Q
    {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}, {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E},  // R S
    {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E},  // T U
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}, {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A},  // V W
    {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}, {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04},  // X Y
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}, {0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E},  // Z [
    {0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00}, {0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E},  // \ ]
    {0x04, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F},  // ^ _
    {0x08, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F},  // ` a
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E}, {0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E},  // b c
    {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F}, {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E},  // d e
    {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08}, {0x00, 0x00, 0x0F, 0x11, 0x11, 0x11, 0x0F},  // f g
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}, {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E},  // h i
    {0x02, 0x00, 0x06, 0x02, 0x02, 0x02, 0x02}, {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12},  // j k
    {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11},  // l m
    {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}, {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E},  // n o
    {0x00, 0x00, 0x1E, 0x11, 0x11, 0x11, 0x1E}, {0x00, 0x00, 0x0F, 0x11, 0x11, 0x11, 0x0F},  // p q
    {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}, {0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E},  // r s
    {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}, {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D},  // t u
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04}, {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A},  // v w
    {0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11}, {0x00, 0x00, 0x11, 0x11, 0x11, 0x11, 0x0F},  // x y
    {0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F}, {0x06, 0x08, 0x08, 0x10, 0x08, 0x08, 0x06},  // z {
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, {0x0C, 0x02, 0x02, 0x01, 0x02, 0x02, 0x0C},  // | }
    {0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00},  // ~
}};

// The two rows below the baseline for the few glyphs that use them.
struct Descender {
  char code;
  std::uint8_t rows[Canvas::kGlyphHeight - Canvas::kCapHeight];
};
constexpr Descender kDescenders[] = {{'g', {0x01, 0x0E}}, {'j', {0x12, 0x0C}},
                                     {'p', {0x10, 0x10}}, {'q', {0x01, 0x01}},
                                     {'y', {0x01, 0x0E}}, {',', {0x04, 0x08}},
                                     {';', {0x04, 0x08}}};

// Row `row` (0 = top of the 5x9 cell) of the glyph for c; bit 4 = left.
std::uint8_t glyph_row(char c, int row) {
  int code = static_cast<unsigned char>(c);
  if (code < kFirstGlyph || code > kLastGlyph) code = '?';
  if (row < Canvas::kCapHeight) {
    return kGlyphRows[static_cast<std::size_t>(code - kFirstGlyph)][static_cast<std::size_t>(row)];
  }
  for (const Descender& descender : kDescenders) {
    if (descender.code == code) return descender.rows[row - Canvas::kCapHeight];
  }
  return 0;
}

// Clips the segment to the closed box [lo_x, hi_x] x [lo_y, hi_y]
// (Liang-Barsky). Returns false when nothing is left. Endpoints that are
// already inside are left bit-identical so short lines stay exact.
bool clip_segment(double& x0, double& y0, double& x1, double& y1, double lo_x, double lo_y,
                  double hi_x, double hi_y) {
  const double dx = x1 - x0;
  const double dy = y1 - y0;
  double t_enter = 0.0;
  double t_exit = 1.0;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {x0 - lo_x, hi_x - x0, y0 - lo_y, hi_y - y0};
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0.0) {
      if (q[i] < 0.0) return false;  // parallel to this edge and outside it
      continue;
    }
    const double t = q[i] / p[i];
    if (p[i] < 0.0) {
      if (t > t_exit) return false;
      t_enter = std::max(t_enter, t);
    } else {
      if (t < t_enter) return false;
      t_exit = std::min(t_exit, t);
    }
  }
  const double sx = x0;
  const double sy = y0;
  if (t_exit < 1.0) {
    x1 = sx + t_exit * dx;
    y1 = sy + t_exit * dy;
  }
  if (t_enter > 0.0) {
    x0 = sx + t_enter * dx;
    y0 = sy + t_enter * dy;
  }
  return true;
}

// Calls ink(along, down) with the top-left offset, inside the horizontal
// text box, of every inked font cell of `text` at the given scale.
template <typename Ink>
void for_each_ink_cell(const std::string& text, int scale, Ink ink) {
  long long pen = 0;  // 64-bit: long strings at large scales must not wrap
  for (char c : text) {
    for (int row = 0; row < Canvas::kGlyphHeight; ++row) {
      const std::uint8_t bits = glyph_row(c, row);
      for (int col = 0; col < Canvas::kGlyphWidth; ++col) {
        if (((bits >> (Canvas::kGlyphWidth - 1 - col)) & 1) != 0) {
          ink(pen + static_cast<long long>(col) * scale, static_cast<long long>(row) * scale);
        }
      }
    }
    pen += static_cast<long long>(Canvas::kGlyphAdvance) * scale;
  }
}

}  // namespace

Canvas::Canvas(int width, int height, Rgb background) : width_(width), height_(height) {
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument("Canvas: width and height must be positive, got " +
                                std::to_string(width) + "x" + std::to_string(height));
  }
  pixels_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
  fill(background);
}

Rgb Canvas::pixel(int x, int y) const {
  if (!inside(x, y)) {
    throw std::out_of_range("Canvas::pixel: (" + std::to_string(x) + ", " + std::to_string(y) +
                            ") is outside " + std::to_string(width_) + "x" +
                            std::to_string(height_));
  }
  const std::size_t i = (static_cast<std::size_t>(y) * width_ + x) * 3;
  return Rgb{pixels_[i], pixels_[i + 1], pixels_[i + 2]};
}

void Canvas::set_pixel_unchecked(int x, int y, Rgb color) {
  const std::size_t i = (static_cast<std::size_t>(y) * width_ + x) * 3;
  pixels_[i] = color.r;
  pixels_[i + 1] = color.g;
  pixels_[i + 2] = color.b;
}

void Canvas::set_pixel(int x, int y, Rgb color) {
  if (inside(x, y)) set_pixel_unchecked(x, y, color);
}

void Canvas::fill(Rgb color) {
  for (std::size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = color.r;
    pixels_[i + 1] = color.g;
    pixels_[i + 2] = color.b;
  }
}

void Canvas::fill_rect(int x, int y, int w, int h, Rgb color) {
  fill_rect_wide(x, y, w, h, color);
}

// 64-bit coordinates so callers (text at large scales, thick lines) can pass
// positions far outside int range and still be clipped correctly.
void Canvas::fill_rect_wide(long long x, long long y, long long w, long long h, Rgb color) {
  if (w <= 0 || h <= 0) return;
  const int x_begin = static_cast<int>(std::clamp<long long>(x, 0, width_));
  const int y_begin = static_cast<int>(std::clamp<long long>(y, 0, height_));
  const int x_end = static_cast<int>(std::clamp<long long>(x + w, 0, width_));
  const int y_end = static_cast<int>(std::clamp<long long>(y + h, 0, height_));
  for (int row = y_begin; row < y_end; ++row) {
    for (int col = x_begin; col < x_end; ++col) set_pixel_unchecked(col, row, color);
  }
}

void Canvas::draw_rect(int x, int y, int w, int h, Rgb color) {
  if (w <= 0 || h <= 0) return;
  fill_rect_wide(x, y, w, 1, color);
  fill_rect_wide(x, y, 1, h, color);
  fill_rect_wide(x, static_cast<long long>(y) + h - 1, w, 1, color);
  fill_rect_wide(static_cast<long long>(x) + w - 1, y, 1, h, color);
}

void Canvas::draw_line(double x0, double y0, double x1, double y1, Rgb color, int thickness) {
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) return;
  // A span beyond the double range (e.g. -1e308 to 1e308) cannot be clipped
  // with finite arithmetic; such a line is not meaningful input anyway.
  if (!std::isfinite(x1 - x0) || !std::isfinite(y1 - y0)) return;
  // Anything thicker than the canvas covers it anyway; the cap keeps the
  // stamp arithmetic in int range.
  thickness = std::clamp(thickness, 1, 2 * std::max(width_, height_) + 1);
  // Clip against the canvas grown by the stamp size so thick lines just
  // outside the edge still paint their visible half, and so the Bresenham
  // walk below is bounded by the canvas size, not by the input coordinates.
  const double margin = thickness + 1.0;
  if (!clip_segment(x0, y0, x1, y1, -margin, -margin, width_ - 1 + margin,
                    height_ - 1 + margin)) {
    return;
  }
  int x = static_cast<int>(std::lround(x0));
  int y = static_cast<int>(std::lround(y0));
  const int x_end = static_cast<int>(std::lround(x1));
  const int y_end = static_cast<int>(std::lround(y1));
  const int stamp_offset = -(thickness - 1) / 2;
  const int dx = std::abs(x_end - x);
  const int dy = -std::abs(y_end - y);
  const int step_x = x < x_end ? 1 : -1;
  const int step_y = y < y_end ? 1 : -1;
  int error = dx + dy;
  while (true) {
    if (thickness == 1) {
      set_pixel(x, y, color);
    } else {
      fill_rect(x + stamp_offset, y + stamp_offset, thickness, thickness, color);
    }
    if (x == x_end && y == y_end) break;
    const int doubled = 2 * error;
    if (doubled >= dy) {
      error += dy;
      x += step_x;
    }
    if (doubled <= dx) {
      error += dx;
      y += step_y;
    }
  }
}

void Canvas::draw_circle(double cx, double cy, double radius, Rgb color) {
  if (!std::isfinite(cx) || !std::isfinite(cy) || !std::isfinite(radius) || radius < 0) return;
  // Bounding box clamped in floating point first so huge centres or radii
  // never overflow the int conversion.
  const double x_lo = std::max(0.0, std::floor(cx - radius));
  const double x_hi = std::min(width_ - 1.0, std::ceil(cx + radius));
  const double y_lo = std::max(0.0, std::floor(cy - radius));
  const double y_hi = std::min(height_ - 1.0, std::ceil(cy + radius));
  if (x_lo > x_hi || y_lo > y_hi) return;  // disc entirely off-canvas
  const double radius_sq = radius * radius;
  for (int y = static_cast<int>(y_lo); y <= static_cast<int>(y_hi); ++y) {
    for (int x = static_cast<int>(x_lo); x <= static_cast<int>(x_hi); ++x) {
      const double ddx = x - cx;
      const double ddy = y - cy;
      if (ddx * ddx + ddy * ddy <= radius_sq) set_pixel_unchecked(x, y, color);
    }
  }
  const double nearest_x = std::round(cx);
  const double nearest_y = std::round(cy);
  if (nearest_x >= 0 && nearest_y >= 0 && nearest_x < width_ && nearest_y < height_) {
    set_pixel_unchecked(static_cast<int>(nearest_x), static_cast<int>(nearest_y), color);
  }
}

void Canvas::draw_text(int x, int y, const std::string& text, Rgb color, int scale) {
  scale = std::max(scale, 1);
  for_each_ink_cell(text, scale, [&](long long along, long long down) {
    fill_rect_wide(x + along, y + down, scale, scale, color);
  });
}

void Canvas::draw_text_vertical(int x, int y, const std::string& text, Rgb color, int scale) {
  scale = std::max(scale, 1);
  const long long length = text_width(text, scale);
  // Rotating the text box counter-clockwise sends its top edge to the left
  // edge and its start to the bottom.
  for_each_ink_cell(text, scale, [&](long long along, long long down) {
    fill_rect_wide(x + down, y + length - along - scale, scale, scale, color);
  });
}

int Canvas::text_width(const std::string& text, int scale) {
  if (text.empty()) return 0;
  scale = std::max(scale, 1);
  const long long width =
      (static_cast<long long>(text.size()) * kGlyphAdvance - 1) * static_cast<long long>(scale);
  return static_cast<int>(std::min<long long>(width, INT_MAX));
}

int Canvas::text_height(int scale) {
  const long long height = static_cast<long long>(kGlyphHeight) * std::max(scale, 1);
  return static_cast<int>(std::min<long long>(height, INT_MAX));
}

void Canvas::blit(const Canvas& source, int x, int y) {
  const long long x_begin = std::max<long long>(x, 0);
  const long long y_begin = std::max<long long>(y, 0);
  const long long x_end = std::min<long long>(static_cast<long long>(x) + source.width_, width_);
  const long long y_end = std::min<long long>(static_cast<long long>(y) + source.height_, height_);
  if (x_begin >= x_end || y_begin >= y_end) return;
  const std::size_t row_bytes = static_cast<std::size_t>(x_end - x_begin) * 3;
  for (long long row = y_begin; row < y_end; ++row) {
    const std::size_t src = (static_cast<std::size_t>(row - y) * source.width_ +
                             static_cast<std::size_t>(x_begin - x)) * 3;
    const std::size_t dst = (static_cast<std::size_t>(row) * width_ +
                             static_cast<std::size_t>(x_begin)) * 3;
    std::copy_n(source.pixels_.begin() + static_cast<std::ptrdiff_t>(src), row_bytes,
                pixels_.begin() + static_cast<std::ptrdiff_t>(dst));
  }
}

}  // namespace diffuse
