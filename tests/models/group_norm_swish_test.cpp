#include "diffuse/models/group_norm_swish.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// swish(GroupNorm(x)) in float64 through libtorch's own kernels.
torch::Tensor reference(const torch::Tensor& x, int64_t groups, const torch::Tensor& weight,
                        const torch::Tensor& bias, double eps) {
  return torch::silu(torch::group_norm(x.to(torch::kFloat64), groups, weight.to(torch::kFloat64),
                                       bias.to(torch::kFloat64), eps));
}

TEST(GroupNormSwish, MatchesFloat64GroupNormThenSiluOnEveryShape) {
  torch::manual_seed(0);
  struct Shape {
    std::vector<int64_t> sizes;
    int64_t groups;
  };
  const Shape shapes[] = {
      {{1, 32, 28, 28}, 8},    // batch 1, threads split the groups
      {{1, 64, 7, 7}, 8},      // small map, one thread, 392 values per group (a tail of 8)
      {{3, 96, 14, 14}, 32},   // a batch, three channels per group
      {{2, 6, 5, 3}, 3},       // odd sizes: every group smaller than the 16 lanes
      {{1, 128, 1, 1}, 32},    // one pixel
      {{2, 8, 33}, 2},         // 1-D data
  };
  for (const Shape& shape : shapes) {
    const int64_t channels = shape.sizes[1];
    const torch::Tensor x = torch::randn(shape.sizes) * 3.0 + 1.5;  // an offset mean, as after a convolution
    const torch::Tensor weight = torch::randn({channels}), bias = torch::randn({channels});
    const torch::Tensor expected = reference(x, shape.groups, weight, bias, 1e-6);
    const torch::Tensor actual = group_norm_swish(x, shape.groups, weight, bias, 1e-6);
    const double error = ((actual.to(torch::kFloat64) - expected).abs().max()).item<double>();
    EXPECT_LT(error, 5e-6) << c10::str(shape.sizes) << ", groups " << shape.groups;
  }
}

TEST(GroupNormSwish, SaturatesLikeSiluFarFromZero) {
  // Pre-activations of +-50 and beyond: swish(v) -> v and -> 0 without
  // overflow in the exponential.
  const torch::Tensor x = torch::tensor({-1.0, 1.0, -1.0, 1.0}, torch::kFloat32).view({1, 1, 4});
  const torch::Tensor weight = torch::full({1}, 100.0), bias = torch::zeros({1});
  const torch::Tensor y = group_norm_swish(x, 1, weight, bias, 0.0);
  EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  EXPECT_NEAR(y[0][0][1].item<float>(), 100.0f, 1e-4);
  EXPECT_NEAR(y[0][0][0].item<float>(), 0.0f, 1e-30);
}

TEST(GroupNormSwish, RefusesWhatItCannotCompute) {
  const torch::Tensor weight = torch::ones({6}), bias = torch::zeros({6});
  EXPECT_THROW(group_norm_swish(torch::randn({1, 6, 4, 4}), 4, weight, bias, 1e-6), Error);  // 6 % 4
  EXPECT_THROW(group_norm_swish(torch::randn({1, 6, 4, 4}, torch::kFloat64), 3, weight, bias, 1e-6), Error);
  EXPECT_THROW(group_norm_swish(torch::randn({1, 6, 4, 4}), 3, torch::ones({5}), bias, 1e-6), Error);
}

}  // namespace
}  // namespace diffuse
