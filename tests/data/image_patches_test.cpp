#include "diffuse/data/image_patches.h"

#include <cmath>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/data/data_spec.h"
#include "diffuse/io/image.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

constexpr int64_t kHeight = 20, kWidth = 30, kPatch = 6;

// An image whose pixel (r, c) holds (r * W + c) / 1000, so every pixel of a
// crop tells where it came from.
torch::Tensor coordinate_image() {
  return torch::arange(kHeight * kWidth, torch::kFloat64).div(1000.0).view({1, kHeight, kWidth}).to(torch::kFloat32);
}

struct Place {
  int64_t row, column;
};

Place place_of(float value) {
  const auto code = static_cast<int64_t>(std::lround(static_cast<double>(value) * 1000.0));
  return {code / kWidth, code % kWidth};
}

TEST(ImagePatches, EveryPatchIsARigidCropInOneOfTheEightSymmetries) {
  ImagePatchDataset dataset({coordinate_image()}, kPatch, "coordinates");
  ASSERT_EQ(dataset.size(), ImagePatchDataset::kDefaultPatchesPerImage);
  EXPECT_EQ(dataset.sample_shape(), (std::vector<int64_t>{1, kPatch, kPatch}));
  std::set<int64_t> tops, lefts, symmetries;
  for (int64_t i = 0; i < 400; ++i) {
    const torch::Tensor patch = dataset.patch(i);
    ASSERT_EQ(patch.sizes(), (std::vector<int64_t>{1, kPatch, kPatch}));
    auto p = patch.accessor<float, 3>();
    const Place origin = place_of(p[0][0][0]);
    // One step along the patch's rows and columns is one step along two
    // different image axes (a rotation or mirror image of a crop).
    const Place down = place_of(p[0][1][0]), right = place_of(p[0][0][1]);
    const int64_t down_row = down.row - origin.row, down_column = down.column - origin.column;
    const int64_t right_row = right.row - origin.row, right_column = right.column - origin.column;
    ASSERT_EQ(std::abs(down_row) + std::abs(down_column), 1);
    ASSERT_EQ(std::abs(right_row) + std::abs(right_column), 1);
    ASSERT_EQ(down_row * right_row + down_column * right_column, 0);
    int64_t min_row = kHeight, min_column = kWidth;
    for (int64_t r = 0; r < kPatch; ++r) {
      for (int64_t c = 0; c < kPatch; ++c) {
        const Place at = place_of(p[0][r][c]);
        ASSERT_EQ(at.row, origin.row + r * down_row + c * right_row);
        ASSERT_EQ(at.column, origin.column + r * down_column + c * right_column);
        min_row = std::min(min_row, at.row);
        min_column = std::min(min_column, at.column);
      }
    }
    tops.insert(min_row);
    lefts.insert(min_column);
    // The symmetry: where the patch's first row and column point.
    symmetries.insert((down_row + 1) * 9 + (down_column + 1) * 3 + (right_row + 1) + 100 * (right_column + 1));
  }
  EXPECT_EQ(symmetries.size(), 8u);
  // Crops reach every place, to the image's last rows and columns.
  EXPECT_EQ(static_cast<int64_t>(tops.size()), kHeight - kPatch + 1);
  EXPECT_EQ(static_cast<int64_t>(lefts.size()), kWidth - kPatch + 1);
  EXPECT_EQ(*tops.rbegin(), kHeight - kPatch);
  EXPECT_EQ(*lefts.rbegin(), kWidth - kPatch);
}

TEST(ImagePatches, ACropDependsOnItsIndexAloneAndImagesTakeTurns) {
  const torch::Tensor dark = -torch::ones({1, 8, 9}), light = torch::ones({1, 12, 8});
  ImagePatchDataset dataset({dark, light}, 8, "two", {}, {}, 3);
  ASSERT_EQ(dataset.size(), 6);
  const Batch batch = dataset.get_batch({5, 2, 4});
  EXPECT_TRUE(torch::equal(batch.x0[0], dataset.patch(5)));
  EXPECT_TRUE(torch::equal(batch.x0[1], dataset.patch(2)));
  EXPECT_TRUE(torch::equal(batch.x0[2], dataset.get_batch({4}).x0[0]));
  EXPECT_EQ(batch.x0[0].mean().item<double>(), 1.0);   // index 5: image 1
  EXPECT_EQ(batch.x0[2].mean().item<double>(), -1.0);  // index 4: image 0
  ImagePatchDataset again({coordinate_image()}, kPatch, "again");
  ImagePatchDataset same({coordinate_image()}, kPatch, "same");
  EXPECT_TRUE(torch::equal(again.patch(17), same.patch(17)));
  EXPECT_FALSE(torch::equal(again.patch(17), again.patch(18)));
  EXPECT_THROW(dataset.patch(6), Error);
}

TEST(ImagePatches, LoadsAFolderAtItsOwnSizeWithClassesAndNamesATooSmallImage) {
  const std::string root = testing::temporary_directory("image_patches");
  std::filesystem::create_directories(root + "/b_light");
  std::filesystem::create_directories(root + "/a_dark");
  save_png(root + "/b_light/x.png", torch::full({3, 40, 24}, 0.5));
  save_png(root + "/a_dark/y.png", torch::full({1, 16, 50}, -0.5));
  DatasetOptions options;
  options.image = ImageFormat{1, 16, true};
  const auto dataset = open_dataset("images:" + root, options);
  EXPECT_EQ(dataset->sample_shape(), (std::vector<int64_t>{1, 16, 16}));
  EXPECT_EQ(dataset->class_names(), (std::vector<std::string>{"a_dark", "b_light"}));
  const Batch batch = dataset->get_batch({0, 1});
  EXPECT_EQ(batch.conditioning.class_labels[0].item<int64_t>(), 0);
  EXPECT_NEAR(batch.x0[0].mean().item<double>(), -0.5, 0.01);
  EXPECT_NEAR(batch.x0[1].mean().item<double>(), 0.5, 0.01);
  EXPECT_NE(dataset->describe().find("random 1x16x16 crops"), std::string::npos) << dataset->describe();

  options.image = ImageFormat{1, 24, true};
  try {
    open_dataset("images:" + root, options);
    FAIL() << "a 50x16 image gave 24x24 crops";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("y.png"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("50x16"), std::string::npos) << e.what();
  }
  for (const std::string& other : std::vector<std::string>{"toy2d:moons", "mnist:" + root, "qm9:" + root, "maze2d:" + root + "/none"}) {
    try {
      open_dataset(other, options);
      FAIL() << other << " took random crops";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("random crops"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace diffuse
