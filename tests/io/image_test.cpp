#include "diffuse/io/image.h"

#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/grid.h"
#include "diffuse/io/sample_output.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

TEST(Image, PngRoundTripIsExactOnThe8BitGrid) {
  const std::string dir = testing::temporary_directory("png");
  const torch::Tensor levels = torch::randint(0, 256, {3, 5, 7}).to(torch::kFloat32);
  const torch::Tensor image = levels / 127.5 - 1.0;
  save_png(dir + "/rgb.png", image);
  const torch::Tensor back = load_image(dir + "/rgb.png");
  EXPECT_EQ(back.sizes(), image.sizes());
  EXPECT_LT((back - image).abs().max().item<double>(), 1e-5);
  // Grey conversion of an RGB file, and RGB expansion of a grey one.
  EXPECT_EQ(load_image(dir + "/rgb.png", 1).size(0), 1);
  save_png(dir + "/grey.png", image.slice(0, 0, 1));
  EXPECT_EQ(load_image(dir + "/grey.png").size(0), 1);
  EXPECT_EQ(load_image(dir + "/grey.png", 3).size(0), 3);
}

TEST(Image, UnreadableFilesGiveAnErrorNamingTheFile) {
  const std::string dir = testing::temporary_directory("bad_png");
  testing::write_bytes(dir + "/bad.png", "this is not a PNG");
  try {
    load_image(dir + "/bad.png");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.png"), std::string::npos);
  }
  EXPECT_THROW(load_image(dir + "/missing.png"), Error);
  EXPECT_THROW(load_image(dir), Error);  // a directory
}

TEST(Grid, TilesImagesWithPadding) {
  const torch::Tensor images = torch::zeros({5, 1, 4, 4});
  const torch::Tensor grid = make_grid(images, 3, 2, 1.0);
  EXPECT_EQ(grid.sizes(), (std::vector<int64_t>{1, 2 * 6 + 2, 3 * 6 + 2}));
  EXPECT_EQ(grid.sum().item<double>(), grid.numel() - 5 * 16);  // everything but the images is padding
  EXPECT_EQ(upscale_nearest(torch::zeros({1, 3, 3}), 4).sizes(), (std::vector<int64_t>{1, 12, 12}));
}

TEST(SampleOutput, WritesGridsDirectoriesAndCsv) {
  const std::string dir = testing::temporary_directory("samples");
  EXPECT_EQ(write_samples(dir + "/grid.png", torch::zeros({4, 1, 8, 8})).size(), 1u);
  EXPECT_EQ(load_image(dir + "/grid.png", 3).size(0), 3);
  EXPECT_EQ(write_samples(dir + "/each/", torch::zeros({3, 1, 8, 8})).size(), 3u);
  write_samples(dir + "/points.csv", torch::tensor({{1.0, 2.0}, {3.0, 4.5}}));
  std::ifstream csv(dir + "/points.csv");
  std::string header, first, second;
  std::getline(csv, header);
  std::getline(csv, first);
  std::getline(csv, second);
  EXPECT_EQ(header, "x,y");
  EXPECT_EQ(first, "1,2");
  EXPECT_EQ(second, "3,4.5");
  EXPECT_THROW(write_samples(dir + "/out.jpg", torch::zeros({1, 1, 8, 8})), Error);
}

}  // namespace
}  // namespace diffuse
