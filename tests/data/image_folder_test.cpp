#include "diffuse/data/image_folder.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/data/data_spec.h"
#include "diffuse/io/image.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

TEST(ImageFolder, CropsResizesAndConvertsChannels) {
  const std::string dir = testing::temporary_directory("folder");
  save_png(dir + "/wide.png", torch::ones({3, 20, 40}) * 0.5);
  save_png(dir + "/tall.png", -torch::ones({1, 30, 10}));
  testing::write_bytes(dir + "/notes.txt", "not an image");
  const auto dataset = load_image_folder(dir, 1, 16);
  ASSERT_EQ(dataset->size(), 2);
  EXPECT_EQ(dataset->sample_shape(), (std::vector<int64_t>{1, 16, 16}));
  const torch::Tensor tall = dataset->get_batch({0}).x0[0], wide = dataset->get_batch({1}).x0[0];
  EXPECT_NEAR(tall.mean().item<double>(), -1.0, 1e-6);
  EXPECT_NEAR(wide.mean().item<double>(), 0.5, 0.01);
  EXPECT_EQ(load_image_folder(dir, 3, 8)->sample_shape(), (std::vector<int64_t>{3, 8, 8}));
}

TEST(ImageFolder, NamesTheBrokenFile) {
  const std::string dir = testing::temporary_directory("broken");
  save_png(dir + "/a.png", torch::zeros({1, 4, 4}));
  testing::write_bytes(dir + "/b.png", "\x89PNG\r\n\x1a\n but then garbage");
  try {
    load_image_folder(dir, 1, 4);
    FAIL() << "a corrupt PNG was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("b.png"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_image_folder(testing::temporary_directory("empty"), 1, 4), Error);
}

TEST(DataSpec, ParsesKnownKindsAndRejectsOthers) {
  EXPECT_EQ(parse_data_spec("toy2d:moons").argument, "moons");
  EXPECT_EQ(parse_data_spec("fashion-mnist").kind, "fashion-mnist");
  EXPECT_THROW(parse_data_spec("cifar:dir"), Error);
  EXPECT_THROW(parse_data_spec("images:"), Error);
  EXPECT_TRUE(is_point_data("toy2d:moons"));
  EXPECT_THROW(open_dataset("images:/nonexistent"), Error);
  EXPECT_THROW(open_dataset("images:/tmp", ImageFormat{2, 28}), Error);  // 1 or 3 channels
}

TEST(ImageFolder, SubFoldersAreClassesInNameOrder) {
  const std::string root = testing::temporary_directory("image_folder_classes");
  for (const std::string& name : {"zebra", "ant"}) std::filesystem::create_directories(root + "/" + name);
  std::filesystem::create_directories(root + "/empty");
  // Two images of 'zebra' (light), one of 'ant' (dark).
  save_png(root + "/zebra/a.png", torch::full({1, 4, 4}, 0.5));
  save_png(root + "/zebra/b.png", torch::full({1, 4, 4}, 0.5));
  save_png(root + "/ant/c.png", torch::full({1, 4, 4}, -0.5));
  const auto dataset = load_image_folder(root, 1, 4);
  ASSERT_EQ(dataset->class_names(), (std::vector<std::string>{"ant", "zebra"}));  // folders without images are no class
  const Batch batch = dataset->get_batch({0, 1, 2});
  ASSERT_TRUE(batch.conditioning.class_labels.defined());
  EXPECT_EQ(batch.conditioning.class_labels[0].item<int64_t>(), 0);
  EXPECT_EQ(batch.conditioning.class_labels[2].item<int64_t>(), 1);
  // Each label belongs to its own image: ant's image is the dark one.
  EXPECT_LT(batch.x0[0].mean().item<double>(), 0.0);
  EXPECT_GT(batch.x0[2].mean().item<double>(), 0.0);
}

}  // namespace
}  // namespace diffuse
