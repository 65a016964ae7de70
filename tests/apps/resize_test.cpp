#include "diffuse/apps/resize.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// Keys' kernel (a = -0.5) at the distances the phases below need, by hand:
// k(0.25) = 1.5/64 - 2.5/16 + 1 = 0.8671875, k(0.75) = 0.2265625,
// k(1.25) = -0.0703125, k(1.75) = -0.0234375.

TEST(MatlabImresize, DoublesWithKeysWeightsAndMirroredBorders) {
  const torch::Tensor row = torch::tensor({{3.0, 7.0, -2.0, 5.0, 11.0}}, torch::kFloat64);
  const torch::Tensor up = matlab_imresize(row, 2.0);
  ASSERT_EQ(up.sizes(), (std::vector<int64_t>{2, 10}));  // the single row is resized too: both rows equal it
  const auto x = [&](int i) { return row[0][i - 1].item<double>(); };
  // Output 1 is centred at input 0.75: inputs -1, 0, 1, 2 at distances
  // 1.75, 0.75, 0.25, 1.25; -1 and 0 mirror onto 2 and 1.
  const double first = -0.0234375 * x(2) + 0.2265625 * x(1) + 0.8671875 * x(1) - 0.0703125 * x(2);
  EXPECT_NEAR(up[0][0].item<double>(), first, 1e-12);
  // Output 4 is centred at input 2.25: inputs 1, 2, 3, 4.
  const double fourth = -0.0703125 * x(1) + 0.8671875 * x(2) + 0.2265625 * x(3) - 0.0234375 * x(4);
  EXPECT_NEAR(up[0][3].item<double>(), fourth, 1e-12);
  // Output 10 is centred at 5.25: inputs 4, 5, 6 -> 5, 7 -> 4.
  const double last = -0.0234375 * x(4) + 0.2265625 * x(5) + 0.8671875 * x(5) - 0.0703125 * x(4);
  EXPECT_NEAR(up[0][9].item<double>(), last, 1e-12);
  EXPECT_TRUE(torch::allclose(up[0], up[1]));
}

TEST(MatlabImresize, HalvesWithTheWidenedKernel) {
  // Shrinking by 2 widens the kernel to 8 taps of k(d / 2) / 2: the classic
  // -0.01171875, -0.03515625, 0.11328125, 0.43359375 and back.
  const torch::Tensor row = torch::arange(1, 13, torch::kFloat64).pow(2).reshape({1, 12});
  const torch::Tensor column = row.t().contiguous();
  const torch::Tensor down = matlab_imresize(column, 0.5);
  ASSERT_EQ(down.sizes(), (std::vector<int64_t>{6, 1}));
  const double w[] = {-0.01171875, -0.03515625, 0.11328125, 0.43359375, 0.43359375, 0.11328125, -0.03515625, -0.01171875};
  const auto x = [&](int i) { return row[0][i - 1].item<double>(); };
  double second = 0.0;  // output 2 is centred at 3.5: inputs 0 .. 7 -> 1 .. 7 with input 0 mirrored to 1
  for (int k = 0; k < 8; ++k) second += w[k] * x(k == 0 ? 1 : k);
  EXPECT_NEAR(down[1][0].item<double>(), second, 1e-12);
  double third = 0.0;  // centred at 5.5: inputs 2 .. 9
  for (int k = 0; k < 8; ++k) third += w[k] * x(k + 2);
  EXPECT_NEAR(down[2][0].item<double>(), third, 1e-12);
  // Without antialiasing the kernel keeps its 4 taps: output 3 = inputs 4 .. 7.
  const torch::Tensor sharp = matlab_imresize(column, 0.5, {/*antialias=*/false});
  // Centred at 5.5: distances 1.5, 0.5, -0.5, -1.5; k(1.5) = -0.0625, k(0.5) = 0.5625.
  const double centred = -0.0625 * x(4) + 0.5625 * x(5) + 0.5625 * x(6) - 0.0625 * x(7);
  EXPECT_NEAR(sharp[2][0].item<double>(), centred, 1e-12);
}

TEST(MatlabImresize, KeepsConstantsAndSizesAsMatlab) {
  const torch::Tensor flat = torch::full({3, 17, 23}, 42.0, torch::kFloat64);
  for (double scale : {0.5, 1.0 / 3.0, 0.25, 2.0, 3.0, 4.0}) {
    const torch::Tensor out = matlab_imresize(flat, scale);
    EXPECT_TRUE(torch::allclose(out, torch::full_like(out, 42.0), 0.0, 1e-10)) << scale;
  }
  EXPECT_EQ(matlab_imresize(flat, 1.0 / 3.0).sizes(), (std::vector<int64_t>{3, 6, 8}));  // ceil(17 / 3), ceil(23 / 3)
  EXPECT_EQ(matlab_imresize(flat, 0.25).sizes(), (std::vector<int64_t>{3, 5, 6}));
  EXPECT_EQ(matlab_imresize_to(flat, 34, 46).sizes(), (std::vector<int64_t>{3, 34, 46}));
  // Scale 1 is the identity.
  const torch::Tensor noise = torch::rand({9, 7}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(matlab_imresize(noise, 1.0), noise, 0.0, 1e-12));
  EXPECT_THROW(matlab_imresize(noise, 0.0), Error);
  EXPECT_EQ(matlab_imresize(noise, 0.01).sizes(), (std::vector<int64_t>{1, 1}));  // as MATLAB: at least one pixel
  EXPECT_THROW(matlab_imresize(torch::ones({5}, torch::kFloat64), 2.0), Error);
}

TEST(MatlabImresize, RoundsAndSaturatesEachPassLikeUint8) {
  // Doubling [8 0] (a column, then the single column): output 1 is
  // 1.09375 * 8 - 0.09375 * 0 = 8.75 -> 9; output 4 is -0.09375 * 8 + 1.09375 * 0 = -0.75 -> 0.
  const torch::Tensor column = torch::tensor({{8.0}, {0.0}}, torch::kFloat64);
  const torch::Tensor exact = matlab_imresize(column, 2.0);
  EXPECT_NEAR(exact[0][0].item<double>(), 8.75, 1e-12);
  EXPECT_NEAR(exact[3][0].item<double>(), -0.75, 1e-12);
  BicubicOptions uint8;
  uint8.uint8_passes = true;
  const torch::Tensor rounded = matlab_imresize(column, 2.0, uint8);
  EXPECT_EQ(rounded[0][0].item<double>(), 9.0);
  EXPECT_EQ(rounded[3][0].item<double>(), 0.0);
  // 255 next to 0 overshoots above 255: saturated.
  const torch::Tensor bright = matlab_imresize(torch::tensor({{255.0}, {0.0}}, torch::kFloat64), 2.0, uint8);
  EXPECT_EQ(bright.max().item<double>(), 255.0);
}

TEST(BoxDownscale, AveragesBlocks) {
  const torch::Tensor image = torch::arange(0, 24, torch::kFloat64).reshape({2, 3, 4});
  const torch::Tensor down = box_downscale(image.slice(1, 0, 2), 2);
  ASSERT_EQ(down.sizes(), (std::vector<int64_t>{2, 1, 2}));
  EXPECT_DOUBLE_EQ(down[0][0][0].item<double>(), (0 + 1 + 4 + 5) / 4.0);
  EXPECT_DOUBLE_EQ(down[1][0][1].item<double>(), (14 + 15 + 18 + 19) / 4.0);
  EXPECT_THROW(box_downscale(image, 2), Error);  // 3 rows
  EXPECT_EQ(modcrop(image, 2).sizes(), (std::vector<int64_t>{2, 2, 4}));
  EXPECT_THROW(modcrop(image, 5), Error);
}

}  // namespace
}  // namespace diffuse
