#include "diffuse/data/idx.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/gzip.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

std::string mnist_directory() { return testing::shared_data_directory() + "/mnist"; }

TEST(Idx, ReadsTheRealMnistTrainingSet) {
  if (!std::filesystem::exists(mnist_directory() + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "MNIST not found in " << mnist_directory() << " (../shared/data/mnist beside the checkout)";
  }
  const IdxImages mnist = read_idx_images(find_idx_file(mnist_directory(), "train-images-idx3-ubyte"),
                                          find_idx_file(mnist_directory(), "train-labels-idx1-ubyte"));
  EXPECT_EQ(mnist.images.sizes(), (std::vector<int64_t>{60000, 28, 28}));
  EXPECT_EQ(mnist.labels.sizes(), (std::vector<int64_t>{60000}));
  EXPECT_EQ(mnist.labels.min().item<int>(), 0);
  EXPECT_EQ(mnist.labels.max().item<int>(), 9);
  // Known facts about MNIST: the first training label is 5, and the mean pixel is 33.3 / 255.
  EXPECT_EQ(mnist.labels[0].item<int>(), 5);
  EXPECT_NEAR(mnist.images.to(torch::kFloat64).mean().item<double>(), 33.32, 0.05);
  const torch::Tensor counts = torch::bincount(mnist.labels.to(torch::kLong));
  EXPECT_EQ(counts[1].item<int64_t>(), 6742);  // the most frequent digit
}

std::string idx_bytes(const std::vector<uint32_t>& dims, size_t data_bytes) {
  std::string bytes{0, 0, 0x08, static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  bytes.append(data_bytes, '\x07');
  return bytes;
}

TEST(Idx, ReadsRawFilesAndRejectsBrokenOnes) {
  const std::string dir = testing::temporary_directory("idx");
  testing::write_bytes(dir + "/good", idx_bytes({2, 3, 4}, 24));
  const torch::Tensor good = read_idx_ubyte(dir + "/good");
  EXPECT_EQ(good.sizes(), (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(good.sum().item<int64_t>(), 24 * 7);

  testing::write_bytes(dir + "/truncated", idx_bytes({2, 3, 4}, 20));
  EXPECT_THROW(read_idx_ubyte(dir + "/truncated"), Error);
  testing::write_bytes(dir + "/magic", "\x01\x02\x03\x04 garbage");
  EXPECT_THROW(read_idx_ubyte(dir + "/magic"), Error);
  testing::write_bytes(dir + "/wraps", idx_bytes({1u << 17, 1u << 17, 1u << 30}, 0));  // 2^64 elements
  EXPECT_THROW(read_idx_ubyte(dir + "/wraps"), Error);
  testing::write_bytes(dir + "/empty", "");
  EXPECT_THROW(read_idx_ubyte(dir + "/empty"), Error);
  EXPECT_THROW(read_idx_ubyte(dir + "/missing"), Error);
  testing::write_bytes(dir + "/labels", idx_bytes({3}, 3));
  EXPECT_THROW(read_idx_images(dir + "/good", dir + "/labels"), Error);  // 3 labels for 2 images
}

TEST(Idx, TruncatedGzipIsAnError) {
  const std::string source = mnist_directory() + "/t10k-labels-idx1-ubyte.gz";
  if (!std::filesystem::exists(source)) GTEST_SKIP() << "MNIST not found in " << mnist_directory();
  const std::string dir = testing::temporary_directory("gz");
  std::filesystem::copy_file(source, dir + "/cut.gz");
  std::filesystem::resize_file(dir + "/cut.gz", std::filesystem::file_size(source) / 2);
  try {
    read_idx_ubyte(dir + "/cut.gz");
    FAIL() << "a truncated gzip file was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.gz"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace diffuse
