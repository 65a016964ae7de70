#include "diffuse/io/image_file.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/image.h"
#include "diffuse/io/npy.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

std::string temporary(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("diffuse_image_file_" + name)).string();
}

TEST(ImageFile, KeepsFloatPixelsInNpyAndRoundsThemInPng) {
  // Pixels outside [0, 255] and between integers, as noise leaves them.
  const torch::Tensor pixels = torch::tensor({{{-20.25, 0.625, 128.0}, {255.0, 300.75, 17.125}}}, torch::kFloat32);
  const torch::Tensor image = data_from_pixels(pixels);
  const std::string npy = temporary("grey.npy");
  save_image_file(npy, image);
  const torch::Tensor array = read_npy(npy);
  ASSERT_EQ(array.sizes(), (std::vector<int64_t>{2, 3}));  // H x W for one channel
  EXPECT_TRUE(torch::allclose(array, pixels[0].to(torch::kFloat64), 0.0, 1e-4));
  EXPECT_TRUE(torch::allclose(load_image_file(npy), image, 0.0, 1e-6));

  const torch::Tensor colour = data_from_pixels(torch::rand({3, 4, 5}) * 255.0);
  const std::string npy3 = temporary("colour.npy");
  save_image_file(npy3, colour);
  EXPECT_EQ(read_npy(npy3).sizes(), (std::vector<int64_t>{4, 5, 3}));  // H x W x C
  EXPECT_TRUE(torch::allclose(load_image_file(npy3), colour, 0.0, 1e-5));

  const std::string png = temporary("grey.png");
  save_image_file(png, image);
  const torch::Tensor eight_bit = pixels_from_data(load_image_file(png)).round();
  EXPECT_TRUE(torch::equal(eight_bit, torch::tensor({{{0.0, 1.0, 128.0}, {255.0, 255.0, 17.0}}})));
  for (const auto& path : {npy, npy3, png}) std::filesystem::remove(path);
}

TEST(ImageFile, RefusesArraysThatAreNotImages) {
  const std::string path = temporary("bad.npy");
  write_npy(path, torch::zeros({2, 3, 4}));  // 4 channels
  EXPECT_THROW(load_image_file(path), Error);
  write_npy(path, torch::zeros({5}));
  EXPECT_THROW(load_image_file(path), Error);
  write_npy(path, torch::full({2, 2}, std::nan("")));
  EXPECT_THROW(load_image_file(path), Error);
  std::filesystem::remove(path);
  EXPECT_THROW(check_image_destination("out.jpg", "--out"), Error);
  EXPECT_THROW(check_image_destination("/nonexistent/out.npy", "--out"), Error);
}

}  // namespace
}  // namespace diffuse
