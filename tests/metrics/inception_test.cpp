#include "diffuse/metrics/inception.h"

#include <cstdlib>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/safetensors.h"
#include "diffuse/util/error.h"
#include "test_support.h"

#ifndef DIFFUSE_SOURCE_DIR
#error "DIFFUSE_SOURCE_DIR must point at the checkout"
#endif

namespace diffuse {
namespace {

TEST(Inception, GivesTwoThousandFortyEightFeaturesForAnyImageSize) {
  InceptionV3 inception;
  EXPECT_EQ(inception.features(torch::zeros({2, 1, 28, 28})).sizes(), (std::vector<int64_t>{2, 2048}));
  EXPECT_EQ(inception.features(torch::zeros({1, 3, 64, 80})).sizes(), (std::vector<int64_t>{1, 2048}));
  EXPECT_THROW(inception.features(torch::zeros({1, 2, 28, 28})), Error);
}

TEST(Inception, MatchesTorchvisionWithTheFidBlocks) {
  const std::string python = testing::python_with_module("torchvision");
  if (python.empty()) GTEST_SKIP() << "python3-torchvision is not installed (apt-get install python3-torchvision)";
  const std::string directory = testing::temporary_directory("inception_reference");
  const std::string command = python + " " + DIFFUSE_SOURCE_DIR + "/tests/metrics/reference/inception_reference.py " + directory;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  InceptionV3 inception;
  inception.load(directory + "/weights.safetensors");
  const torch::Tensor images = load_safetensors(directory + "/input.safetensors").tensors.at("images");
  const torch::Tensor expected = load_safetensors(directory + "/output.safetensors").tensors.at("features");
  const torch::Tensor features = inception.features(images);
  const double error = ((features - expected).norm() / expected.norm()).item<double>();
  std::printf("normalised error against torchvision: %.3g (feature norm %.3g)\n", error, expected.norm().item<double>());
  EXPECT_LT(error, 1e-4);
}

}  // namespace
}  // namespace diffuse
