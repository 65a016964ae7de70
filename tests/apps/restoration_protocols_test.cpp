#include "diffuse/apps/restoration_protocols.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/apps/resize.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(SrProtocol, TakesMatlabsLumaRoundedTo8Bits) {
  // Pure red, green, blue, white, black: 16 + 65.481 = 81.481 -> 81,
  // 16 + 128.553 -> 145 (144.553), 16 + 24.966 -> 41, 235, 16.
  torch::Tensor rgb = torch::zeros({3, 1, 5}, torch::kFloat64);
  rgb[0][0][0] = 255;
  rgb[1][0][1] = 255;
  rgb[2][0][2] = 255;
  rgb.select(2, 3).fill_(255);
  const torch::Tensor y = matlab_luma(rgb);
  EXPECT_TRUE(torch::equal(y, torch::tensor({{81.0, 145.0, 41.0, 235.0, 16.0}}, torch::kFloat64)));
  const torch::Tensor grey = torch::full({1, 4, 4}, 7.0, torch::kFloat64);
  EXPECT_TRUE(torch::equal(matlab_luma(grey), grey[0]));
  EXPECT_THROW(matlab_luma(torch::zeros({2, 4, 4})), Error);
}

TEST(SrProtocol, ConvertsToYCbCrAndBackAsMatlab) {
  const torch::Tensor white = torch::full({3, 1, 1}, 255.0, torch::kFloat64);
  const torch::Tensor ycc = rgb_to_ycbcr(white);
  EXPECT_NEAR(ycc[0].item<double>(), 235.0, 1e-9);  // 16 + 219
  EXPECT_NEAR(ycc[1].item<double>(), 128.0, 1e-9);  // the Cb row sums to 0
  EXPECT_NEAR(ycc[2].item<double>(), 128.0, 1e-9);
  torch::Tensor blue = torch::zeros({3, 1, 1}, torch::kFloat64);
  blue[2] = 255.0;
  EXPECT_NEAR(rgb_to_ycbcr(blue)[1].item<double>(), 240.0, 1e-9);  // 128 + 112
  const torch::Tensor rgb = torch::rand({3, 5, 7}, torch::kFloat64) * 255.0;
  EXPECT_TRUE(torch::allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, 0.0, 1e-9));
  EXPECT_TRUE(torch::allclose(rgb_to_ycbcr(rgb)[0], 16.0 + (65.481 * rgb[0] + 128.553 * rgb[1] + 24.966 * rgb[2]) / 255.0));
}

// A colour photo's luma (16-235) is stretched to a grey photo's 0-255 and
// back exactly; the stretch commutes with every degradation (rows sum to 1).
TEST(SrProtocol, StretchesTheStudioRangeLumaToFullRangeAndBack) {
  const torch::Tensor luma = torch::tensor({16.0, 125.5, 235.0}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(stretch_luma(luma), torch::tensor({0.0, 127.5, 255.0}, torch::kFloat64), 0.0, 1e-12));
  const torch::Tensor x = torch::rand({1, 12, 12}, torch::kFloat64) * 219.0 + 16.0;
  EXPECT_TRUE(torch::allclose(unstretch_luma(stretch_luma(x)), x, 0.0, 1e-12));
  for (SrKernel kernel : {SrKernel::kBicubic, SrKernel::kBox}) {
    EXPECT_TRUE(torch::allclose(sr_degrade(stretch_luma(x), 3, kernel), stretch_luma(sr_degrade(x, 3, kernel)), 0.0, 1e-9));
  }
}

TEST(SrProtocol, ScoresRoundedPixelsInsideTheBorder) {
  const torch::Tensor truth = torch::full({10, 12}, 100.0, torch::kFloat64);
  torch::Tensor restored = truth.clone() + 1.4;  // rounds to 101: an error of 1 everywhere
  restored.slice(0, 0, 2).fill_(0.0);            // the shaved border does not count
  EXPECT_NEAR(psnr_8bit(restored, truth, 2), 10.0 * std::log10(255.0 * 255.0), 1e-9);
  EXPECT_TRUE(std::isinf(psnr_8bit(truth + 0.4, truth, 0)));  // rounds back to the truth
  EXPECT_LT(psnr_8bit(restored, truth, 0), 20.0);                 // with the border it counts
  EXPECT_THROW(psnr_8bit(restored, truth, 5), Error);           // nothing left
}

TEST(SrProtocol, MakesTheProtocolsPair) {
  const torch::Tensor pixels = (torch::rand({3, 23, 30}, torch::kFloat64) * 255.0).round();
  const SrCase pair = make_sr_case(pixels, 3, SrKernel::kBicubic);
  EXPECT_EQ(pair.ground_truth.sizes(), (std::vector<int64_t>{21, 30}));  // modcrop to multiples of 3
  EXPECT_EQ(pair.low_resolution.sizes(), (std::vector<int64_t>{7, 10}));
  EXPECT_TRUE(torch::allclose(pair.low_resolution, matlab_imresize(pair.ground_truth, 1.0 / 3.0)));
  const SrCase box = make_sr_case(pixels, 3, SrKernel::kBox);
  EXPECT_NEAR(box.low_resolution[0][0].item<double>(), pair.ground_truth.slice(0, 0, 3).slice(1, 0, 3).mean().item<double>(),
              1e-9);
  EXPECT_EQ(bicubic_upscale(pair.low_resolution, 3).sizes(), pair.ground_truth.sizes());
  EXPECT_THROW(make_sr_case(pixels.slice(1, 0, 5), 3, SrKernel::kBicubic), Error);  // smaller than 2 x 3 rows
  EXPECT_THROW(make_sr_case(pixels, 1, SrKernel::kBicubic), Error);
  EXPECT_THROW(sr_kernel_from_string("gaussian"), Error);
}

TEST(DenoisingProtocol, AddsUnclippedNoiseOfTheAskedStdPerImage) {
  const torch::Tensor clean = torch::full({1, 200, 300}, 250.0, torch::kFloat64);
  const torch::Tensor noisy = add_benchmark_noise(clean, 25.0, 7, 3);
  const torch::Tensor noise = noisy - clean;
  EXPECT_NEAR(noise.mean().item<double>(), 0.0, 0.2);  // 60,000 draws: s.e. 0.1
  EXPECT_NEAR(noise.std().item<double>(), 25.0, 0.2);
  EXPECT_GT(noisy.max().item<double>(), 255.0);  // not clipped
  EXPECT_TRUE(torch::equal(noisy, add_benchmark_noise(clean, 25.0, 7, 3)));
  EXPECT_FALSE(torch::equal(noisy, add_benchmark_noise(clean, 25.0, 7, 4)));
  // Another sigma scales the same draw (the same image gets the same pattern).
  EXPECT_TRUE(torch::allclose(add_benchmark_noise(clean, 50.0, 7, 3) - clean, 2.0 * noise));
  EXPECT_THROW(add_benchmark_noise(clean, -1.0, 7, 3), Error);
}

}  // namespace
}  // namespace diffuse
