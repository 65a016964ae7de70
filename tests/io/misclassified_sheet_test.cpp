#include "diffuse/io/misclassified_sheet.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/image.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

const std::vector<std::string> kDigits = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

// The colour an image of constant value v in [-1, 1] takes on a canvas.
Rgb shade(double v) { return to_canvas(torch::full({1, 1, 1}, v)).pixel(0, 0); }

struct Found {
  int64_t pixels = 0;
  double mean_x = 0.0, mean_y = 0.0;
};

Found find(const Canvas& canvas, Rgb colour) {
  Found found;
  for (int y = 0; y < canvas.height(); ++y) {
    for (int x = 0; x < canvas.width(); ++x) {
      if (canvas.pixel(x, y) != colour) continue;
      ++found.pixels;
      found.mean_x += x;
      found.mean_y += y;
    }
  }
  if (found.pixels > 0) {
    found.mean_x /= static_cast<double>(found.pixels);
    found.mean_y /= static_cast<double>(found.pixels);
  }
  return found;
}

// Each miss is drawn once, in the row of the class asked for and the column
// of the class judged; samples judged right are left out.
TEST(MisclassifiedSheet, DrawsEachMissInItsPairsCellAndNothingElse) {
  // Sample values: judged right 0.8, asked 2 judged 7 -0.5, asked 8 judged 3 0.
  const torch::Tensor images = torch::stack({torch::full({1, 8, 8}, 0.8), torch::full({1, 8, 8}, -0.5),
                                             torch::full({1, 8, 8}, -0.5), torch::full({1, 8, 8}, 0.0),
                                             torch::full({1, 8, 8}, 0.8), torch::full({1, 8, 8}, 0.8)});
  const torch::Tensor asked = torch::tensor({2, 2, 2, 8, 8, 3}, torch::kLong);
  const torch::Tensor judged = torch::tensor({2, 7, 7, 3, 8, 3}, torch::kLong);
  const Canvas sheet = render_misclassified(images, asked, judged, kDigits, "misses");
  const int64_t image_pixels = 8 * 8 * 4 * 4;  // 8 x 8 images shown 4x
  const Found two_as_seven = find(sheet, shade(-0.5)), eight_as_three = find(sheet, shade(0.0));
  EXPECT_EQ(two_as_seven.pixels, 2 * image_pixels);
  EXPECT_EQ(eight_as_three.pixels, image_pixels);
  EXPECT_EQ(find(sheet, shade(0.8)).pixels, 0);
  EXPECT_LT(two_as_seven.mean_y, eight_as_three.mean_y);  // row "asked 2" above row "asked 8"
  EXPECT_GT(two_as_seven.mean_x, eight_as_three.mean_x);  // column "judged 7" right of "judged 3"
}

TEST(MisclassifiedSheet, SaysSoWhenEverySampleWasRight) {
  const torch::Tensor images = torch::full({3, 1, 8, 8}, -0.5);
  const torch::Tensor classes = torch::tensor({0, 1, 2}, torch::kLong);
  const Canvas sheet = render_misclassified(images, classes, classes, kDigits, "misses");
  EXPECT_EQ(find(sheet, shade(-0.5)).pixels, 0);
  EXPECT_LT(sheet.height(), 40);  // two lines of text
}

// A cell shows the pair's first kMissesPerCell misses, not the later ones.
TEST(MisclassifiedSheet, ShowsTheFirstCellsWorthOfOnePair) {
  const int64_t extra = 5, n = kMissesPerCell + extra;
  const torch::Tensor images =
      torch::cat({torch::full({kMissesPerCell, 1, 8, 8}, -0.5), torch::full({extra, 1, 8, 8}, 0.0)});
  const Canvas sheet = render_misclassified(images, torch::full({n}, 1, torch::kLong), torch::full({n}, 4, torch::kLong),
                                            kDigits, "misses");
  EXPECT_EQ(find(sheet, shade(-0.5)).pixels, kMissesPerCell * 8 * 8 * 4 * 4);
  EXPECT_EQ(find(sheet, shade(0.0)).pixels, 0);
}

TEST(MisclassifiedSheet, RefusesMismatchedOrOutOfRangeClasses) {
  const torch::Tensor images = torch::zeros({2, 1, 8, 8});
  const torch::Tensor two = torch::tensor({0, 1}, torch::kLong);
  EXPECT_THROW(render_misclassified(images, torch::tensor({0}, torch::kLong), two, kDigits, ""), Error);
  EXPECT_THROW(render_misclassified(images, two, torch::tensor({0, 10}, torch::kLong), kDigits, ""), Error);
  EXPECT_THROW(render_misclassified(images, torch::tensor({-1, 1}, torch::kLong), two, kDigits, ""), Error);
  EXPECT_THROW(render_misclassified(torch::zeros({2, 8, 8}), two, two, kDigits, ""), Error);
}

}  // namespace
}  // namespace diffuse
