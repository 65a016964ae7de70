#include "diffuse/io/class_grid.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// Each class's samples form its own row: class 0 black images, class 1 white
// ones, so every row holds one colour, in class order, right of the labels.
TEST(ClassRows, ImagesGoInARowPerClassInOrder) {
  const torch::Tensor samples = torch::cat({torch::full({3, 1, 8, 8}, -1.0), torch::full({3, 1, 8, 8}, 1.0)});
  const Canvas picture = render_class_rows(samples, 3, {"dark", "light"}, "");
  // Black pixels (the images of class 0; padding and labels' background are white, labels dark grey)
  // all lie in the upper row.
  int black_above = 0, black_below = 0;
  for (int y = 0; y < picture.height(); ++y) {
    for (int x = 0; x < picture.width(); ++x) {
      if (picture.pixel(x, y) == Rgb{0, 0, 0}) (y < picture.height() / 2 ? black_above : black_below) += 1;
    }
  }
  EXPECT_GE(black_above, 3 * 8 * 8);  // three dark images, at least at their own size
  EXPECT_EQ(black_below, 0);
  EXPECT_GT(picture.width(), 3 * 8 + Canvas::text_width("light"));  // room for the labels beside the images
}

TEST(ClassRows, PointsGetAPanelPerClass) {
  const torch::Tensor points = torch::zeros({10, 2});
  const Canvas picture = render_class_rows(points, 2, {"a", "b", "c", "d", "e"}, "title");
  EXPECT_EQ(picture.width(), 4 * 240);               // at most four panels across
  EXPECT_GE(picture.height(), 2 * 240);              // five panels: two rows
}

TEST(ClassRows, RefusesCountsThatDoNotMatch) {
  EXPECT_THROW(render_class_rows(torch::zeros({5, 1, 8, 8}), 3, {"a", "b"}, ""), Error);
  EXPECT_THROW(render_class_rows(torch::zeros({4, 3}), 2, {"a", "b"}, ""), Error);
  EXPECT_THROW(render_class_rows(torch::zeros({0, 2}), 1, {}, ""), Error);
}

}  // namespace
}  // namespace diffuse
