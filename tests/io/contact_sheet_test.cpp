#include "diffuse/io/contact_sheet.h"

#include <gtest/gtest.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

int count_pixels(const Canvas& canvas, Rgb color) {
  int count = 0;
  for (int y = 0; y < canvas.height(); ++y) {
    for (int x = 0; x < canvas.width(); ++x) count += canvas.pixel(x, y) == color;
  }
  return count;
}

TEST(ContactSheet, EveryCellAppearsWholeInItsPlace) {
  const Rgb red{200, 0, 0}, blue{0, 0, 200};
  const Canvas small(10, 8, red), large(20, 30, blue);
  const Canvas sheet = render_contact_sheet({{small, large}, {large, small}}, {"a", "bb"}, {"K=5", "K=10"}, "title");
  EXPECT_EQ(count_pixels(sheet, red), 2 * 10 * 8);
  EXPECT_EQ(count_pixels(sheet, blue), 2 * 20 * 30);
  // Columns take their widest cell, rows their tallest: both rows are 30 high.
  EXPECT_GE(sheet.height(), 2 * 30 + Canvas::text_height());
  EXPECT_GE(sheet.width(), 2 * 20 + Canvas::text_width("bb"));
}

TEST(ContactSheet, RejectsRaggedTablesAndMissingLabels) {
  const Canvas cell(4, 4);
  EXPECT_THROW(render_contact_sheet({}, {}, {}, ""), Error);
  EXPECT_THROW(render_contact_sheet({{cell, cell}, {cell}}, {"a", "b"}, {"x", "y"}, ""), Error);
  EXPECT_THROW(render_contact_sheet({{cell}}, {}, {"x"}, ""), Error);
}

}  // namespace
}  // namespace diffuse
