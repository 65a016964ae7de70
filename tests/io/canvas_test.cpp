#include "diffuse/io/canvas.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace diffuse {
namespace {

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kRed{220, 20, 30};
constexpr Rgb kBlue{10, 40, 200};

struct InkBox {
  int count = 0;
  int min_x = 1 << 30, min_y = 1 << 30, max_x = -1, max_y = -1;
};

InkBox find_ink(const Canvas& canvas, Rgb color) {
  InkBox box;
  for (int y = 0; y < canvas.height(); ++y) {
    for (int x = 0; x < canvas.width(); ++x) {
      if (canvas.pixel(x, y) != color) continue;
      ++box.count;
      box.min_x = std::min(box.min_x, x), box.max_x = std::max(box.max_x, x);
      box.min_y = std::min(box.min_y, y), box.max_y = std::max(box.max_y, y);
    }
  }
  return box;
}

std::vector<std::uint8_t> render_text(const std::string& text, int scale = 1) {
  Canvas canvas(Canvas::text_width(text, scale) + 2, Canvas::text_height(scale) + 2, kWhite);
  canvas.draw_text(1, 1, text, kRed, scale);
  return canvas.pixels();
}

TEST(CanvasTest, RejectsNonPositiveSize) {
  EXPECT_THROW(Canvas(0, 10), std::invalid_argument);
  EXPECT_THROW(Canvas(10, 0), std::invalid_argument);
  EXPECT_THROW(Canvas(-3, 5), std::invalid_argument);
}

TEST(CanvasTest, StartsWithBackgroundAndUsesRowMajorRgbLayout) {
  Canvas canvas(4, 3, Rgb{1, 2, 3});
  EXPECT_EQ(canvas.width(), 4);
  EXPECT_EQ(canvas.height(), 3);
  ASSERT_EQ(canvas.pixels().size(), 4u * 3u * 3u);
  EXPECT_EQ(canvas.pixel(3, 2), (Rgb{1, 2, 3}));
  canvas.set_pixel(1, 2, Rgb{7, 8, 9});
  const std::size_t offset = (2 * 4 + 1) * 3;
  EXPECT_EQ(canvas.pixels()[offset], 7);
  EXPECT_EQ(canvas.pixels()[offset + 1], 8);
  EXPECT_EQ(canvas.pixels()[offset + 2], 9);
}

TEST(CanvasTest, PixelThrowsOutsideButSetPixelClips) {
  Canvas canvas(5, 5);
  EXPECT_THROW(canvas.pixel(5, 0), std::out_of_range);
  EXPECT_THROW(canvas.pixel(0, -1), std::out_of_range);
  const auto before = canvas.pixels();
  canvas.set_pixel(-1, 2, kRed);
  canvas.set_pixel(2, 5, kRed);
  EXPECT_EQ(canvas.pixels(), before);
}

TEST(CanvasTest, FillRectAndDrawRectAreClipped) {
  Canvas canvas(10, 10);
  canvas.fill_rect(-5, -5, 8, 8, kRed);
  EXPECT_EQ(canvas.pixel(0, 0), kRed);
  EXPECT_EQ(canvas.pixel(2, 2), kRed);
  EXPECT_EQ(canvas.pixel(3, 3), kWhite);
  EXPECT_EQ(find_ink(canvas, kRed).count, 9);

  Canvas outline(10, 10);
  outline.draw_rect(2, 3, 4, 5, kBlue);  // covers x 2..5, y 3..7
  EXPECT_EQ(outline.pixel(2, 3), kBlue);
  EXPECT_EQ(outline.pixel(5, 7), kBlue);
  EXPECT_EQ(outline.pixel(3, 5), kWhite);  // interior untouched
  EXPECT_EQ(find_ink(outline, kBlue).count, 2 * 4 + 2 * 3);
}

TEST(CanvasTest, TextMetricsFollowTheFiveByNineCell) {
  EXPECT_EQ(Canvas::text_width(""), 0);
  EXPECT_EQ(Canvas::text_width("A"), 5);
  EXPECT_EQ(Canvas::text_width("AB"), 11);
  EXPECT_EQ(Canvas::text_width("abc", 2), (3 * 6 - 1) * 2);
  EXPECT_EQ(Canvas::text_height(), 9);  // 7 rows to the baseline + 2 for descenders
  EXPECT_EQ(Canvas::text_height(3), 27);
}

TEST(CanvasTest, GlyphsAreDistinctAndInked) {
  const auto space = render_text(" ");
  EXPECT_NE(render_text("A"), render_text("B"));
  EXPECT_NE(render_text("A"), space);
  // Every printable character has a glyph of its own; duplicates would mean
  // a copy-paste slip in the font table.
  std::set<std::vector<std::uint8_t>> seen;
  for (char c = 32; c < 127; ++c) {
    const auto pixels = render_text(std::string(1, c));
    EXPECT_TRUE(seen.insert(pixels).second) << "glyph for '" << c << "' duplicates another";
    if (c != ' ') {
      Canvas probe(7, 11);
      probe.draw_text(1, 1, std::string(1, c), kRed);
      EXPECT_GT(find_ink(probe, kRed).count, 0) << "no ink for '" << c << "'";
    }
  }
}

TEST(CanvasTest, DescendersGoBelowTheBaseline) {
  Canvas canvas(40, 12);
  canvas.draw_text(0, 0, "ag", kRed);
  bool a_below = false, g_below = false;
  for (int y = Canvas::kCapHeight; y < Canvas::text_height(); ++y) {
    for (int x = 0; x < Canvas::kGlyphWidth; ++x) a_below = a_below || canvas.pixel(x, y) == kRed;
    for (int x = Canvas::kGlyphAdvance; x < Canvas::kGlyphAdvance + Canvas::kGlyphWidth; ++x) {
      g_below = g_below || canvas.pixel(x, y) == kRed;
    }
  }
  EXPECT_FALSE(a_below);
  EXPECT_TRUE(g_below);
}

TEST(CanvasTest, UnprintableCharactersRenderAsQuestionMark) {
  EXPECT_EQ(render_text("\x01"), render_text("?"));
  EXPECT_EQ(render_text("\xC3"), render_text("?"));
}

TEST(CanvasTest, DrawTextInksExactlyInsideItsBox) {
  const std::string text = "Hello, [x] 0.05 gH";
  const int scale = 2;
  Canvas canvas(Canvas::text_width(text, scale) + 10, Canvas::text_height(scale) + 10);
  canvas.draw_text(3, 4, text, kRed, scale);
  const InkBox ink = find_ink(canvas, kRed);
  // 'H' spans the full width and the top row, 'g' reaches the bottom of the
  // descender rows, so the ink box must coincide with the metric box.
  EXPECT_EQ(ink.min_x, 3);
  EXPECT_EQ(ink.min_y, 4);
  EXPECT_EQ(ink.max_x, 3 + Canvas::text_width(text, scale) - 1);
  EXPECT_EQ(ink.max_y, 4 + Canvas::text_height(scale) - 1);
  // Scaling paints whole scale x scale blocks.
  EXPECT_EQ(ink.count % (scale * scale), 0);
}

TEST(CanvasTest, VerticalTextIsTheCounterClockwiseRotation) {
  const std::string text = "loss 1e-3";
  Canvas flat(Canvas::text_width(text), Canvas::text_height());
  flat.draw_text(0, 0, text, kRed);
  Canvas rotated(30, 80);
  rotated.draw_text_vertical(5, 7, text, kRed);
  const int length = Canvas::text_width(text);
  for (int ty = 0; ty < flat.height(); ++ty) {
    for (int tx = 0; tx < flat.width(); ++tx) {
      EXPECT_EQ(flat.pixel(tx, ty), rotated.pixel(5 + ty, 7 + length - 1 - tx))
          << "at text cell " << tx << "," << ty;
    }
  }
  EXPECT_EQ(find_ink(rotated, kRed).count, find_ink(flat, kRed).count);
}

TEST(CanvasTest, DrawLineHitsEndpointsAndHorizontalRun) {
  Canvas canvas(20, 12);
  canvas.draw_line(2, 5, 12, 5, kRed);
  for (int x = 2; x <= 12; ++x) EXPECT_EQ(canvas.pixel(x, 5), kRed) << x;
  EXPECT_EQ(canvas.pixel(1, 5), kWhite);
  EXPECT_EQ(canvas.pixel(13, 5), kWhite);
  EXPECT_EQ(find_ink(canvas, kRed).count, 11);

  Canvas diagonal(20, 12);
  diagonal.draw_line(3, 3, 10, 8, kBlue);
  EXPECT_EQ(diagonal.pixel(3, 3), kBlue);
  EXPECT_EQ(diagonal.pixel(10, 8), kBlue);
  EXPECT_EQ(find_ink(diagonal, kBlue).count, 8);  // one pixel per major-axis step
}

TEST(CanvasTest, ThickLinesStampSquares) {
  Canvas canvas(20, 12);
  canvas.draw_line(4, 5, 10, 5, kRed, 3);
  const InkBox ink = find_ink(canvas, kRed);
  EXPECT_EQ(ink.min_y, 4);
  EXPECT_EQ(ink.max_y, 6);
  EXPECT_EQ(ink.min_x, 3);
  EXPECT_EQ(ink.max_x, 11);
}

TEST(CanvasTest, LinesFromFarOutsideAreClippedNotDropped) {
  Canvas canvas(20, 20);
  canvas.draw_line(-1e9, -1e9, 1e9, 1e9, kRed);
  EXPECT_EQ(canvas.pixel(0, 0), kRed);
  EXPECT_EQ(canvas.pixel(7, 7), kRed);
  EXPECT_EQ(canvas.pixel(19, 19), kRed);
  EXPECT_EQ(canvas.pixel(7, 8), kWhite);
}

TEST(CanvasTest, CircleIsAFilledDisc) {
  Canvas canvas(21, 21);
  canvas.draw_circle(10, 10, 2.0, kRed);
  EXPECT_EQ(canvas.pixel(10, 10), kRed);
  EXPECT_EQ(canvas.pixel(12, 10), kRed);
  EXPECT_EQ(canvas.pixel(11, 11), kRed);
  EXPECT_EQ(canvas.pixel(13, 10), kWhite);
  EXPECT_EQ(canvas.pixel(12, 12), kWhite);  // distance 2.83 > 2
  EXPECT_EQ(find_ink(canvas, kRed).count, 13);

  Canvas tiny(5, 5);
  tiny.draw_circle(2.2, 1.9, 0.0, kBlue);  // a zero radius still marks the spot
  EXPECT_EQ(find_ink(tiny, kBlue).count, 1);
  EXPECT_EQ(tiny.pixel(2, 2), kBlue);
}

TEST(CanvasTest, BlitCopiesWithClipping) {
  Canvas source(3, 3, kRed);
  source.set_pixel(2, 2, kBlue);
  Canvas target(5, 5);
  target.blit(source, -1, -1);
  EXPECT_EQ(target.pixel(0, 0), kRed);
  EXPECT_EQ(target.pixel(1, 1), kBlue);
  EXPECT_EQ(target.pixel(2, 2), kWhite);
  target.blit(source, 4, 3);
  EXPECT_EQ(target.pixel(4, 3), kRed);
  EXPECT_EQ(target.pixel(4, 4), kRed);
}

TEST(CanvasTest, DrawingOutsideNeverThrows) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Canvas canvas(8, 6);
  EXPECT_NO_THROW({
    canvas.fill_rect(2147483000, 2147483000, 2147483000, 2147483000, kRed);
    canvas.fill_rect(-2147483647, -2147483647, 2147483647, 2147483647, kRed);
    canvas.draw_rect(-100, -100, 1000, 1000, kRed);
    canvas.draw_line(-50, 3, 100, 3, kRed, 1000000);
    canvas.draw_line(nan, 0, 5, 5, kRed);
    canvas.draw_line(0, 0, inf, 5, kRed);
    canvas.draw_line(1e300, -1e300, -1e300, 1e300, kRed, 3);
    canvas.draw_line(-1.5e308, 2, 1.5e308, 2, kRed);
    canvas.draw_circle(1e300, 0, 5, kRed);
    canvas.draw_circle(3, 3, 1e300, kRed);
    canvas.draw_circle(3, 3, nan, kRed);
    canvas.draw_text(-1000, -3, "clipped text", kRed, 4);
    canvas.draw_text(2147483000, 2147483000, "far away", kRed, 1000);
    canvas.draw_text_vertical(-2147483000, 2147483000, "far away", kRed, 1000);
    canvas.blit(Canvas(100, 100), -50, -50);
    canvas.blit(Canvas(3, 3), 2147483647, -2147483647);
  });
}

}  // namespace
}  // namespace diffuse
