#pragma once

// A tiny dependency-free RGB8 raster used to draw loss curves, scatter plots of
// 2-D samples and text labels on image strips. Everything is clipped: drawing
// partially or completely outside the canvas is a no-op for the outside part,
// so callers never need to pre-clip coordinates.

#include <cstdint>
#include <string>
#include <vector>

namespace diffuse {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
};

inline bool operator==(Rgb a, Rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }
inline bool operator!=(Rgb a, Rgb b) { return !(a == b); }

class Canvas {  // an RGB8 image, row-major, 3 bytes per pixel, origin top-left
 public:
  // Built-in font metrics (all multiplied by the text scale): 5x7 glyphs
  // (capitals and digits are 7 rows tall, baseline at row 6) in a 5x9 cell
  // whose two extra rows hold the descenders of g j p q y , ; and one
  // column of spacing between glyphs.
  static constexpr int kGlyphWidth = 5;
  static constexpr int kCapHeight = 7;
  static constexpr int kGlyphHeight = 9;
  static constexpr int kGlyphAdvance = kGlyphWidth + 1;

  // Throws std::invalid_argument on width/height <= 0.
  Canvas(int width, int height, Rgb background = {255, 255, 255});

  int width() const { return width_; }
  int height() const { return height_; }

  Rgb pixel(int x, int y) const;  // throws std::out_of_range outside
  void set_pixel(int x, int y, Rgb color);  // silently clipped outside
  void fill(Rgb color);
  void fill_rect(int x, int y, int w, int h, Rgb color);  // clipped
  // One-pixel outline of the rectangle [x, x+w) x [y, y+h); clipped.
  void draw_rect(int x, int y, int w, int h, Rgb color);
  // Pixel centres sit on integer coordinates; endpoints are rounded. A line
  // with thickness t stamps a t x t square at every step. Non-finite
  // coordinates draw nothing. Clipped.
  void draw_line(double x0, double y0, double x1, double y1, Rgb color, int thickness = 1);
  // Filled disc: every pixel whose centre is within `radius` of (cx, cy), plus
  // the pixel nearest the centre so tiny radii stay visible. Clipped.
  void draw_circle(double cx, double cy, double radius, Rgb color);
  // (x, y) = top-left of the text box; built-in bitmap font, single line.
  // Characters outside printable ASCII 32..126 are drawn as '?'. scale < 1 is
  // treated as 1.
  void draw_text(int x, int y, const std::string& text, Rgb color, int scale = 1);
  // Same text rotated 90 degrees counter-clockwise (reads bottom-to-top), for
  // y-axis labels; (x, y) = top-left of the rotated box, which is
  // text_height(scale) wide and text_width(text, scale) tall.
  void draw_text_vertical(int x, int y, const std::string& text, Rgb color, int scale = 1);
  // Width of the inked box: n glyphs of width 5 and n-1 spacing columns.
  static int text_width(const std::string& text, int scale = 1);
  static int text_height(int scale = 1);
  void blit(const Canvas& source, int x, int y);  // clipped copy, top-left at (x, y)

  const std::vector<std::uint8_t>& pixels() const { return pixels_; }  // width*height*3 bytes

 private:
  bool inside(int x, int y) const { return x >= 0 && y >= 0 && x < width_ && y < height_; }
  void set_pixel_unchecked(int x, int y, Rgb color);
  void fill_rect_wide(long long x, long long y, long long w, long long h, Rgb color);

  int width_;
  int height_;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace diffuse
