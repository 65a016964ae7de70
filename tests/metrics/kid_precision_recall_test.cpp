#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/metrics/kid.h"
#include "diffuse/metrics/precision_recall.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(Kid, ConstantSetsGiveTheKernelByHand) {
  // All x = u, all y = v: MMD^2 = k(u, u) + k(v, v) - 2 k(u, v), k(a, b) = (a.b / D + 1)^3.
  const torch::Tensor x = torch::tensor({1.0, 2.0}).repeat({10, 1}), y = torch::tensor({0.0, -1.0}).repeat({10, 1});
  const double kuu = std::pow(5.0 / 2 + 1, 3), kvv = std::pow(1.0 / 2 + 1, 3), kuv = std::pow(-2.0 / 2 + 1, 3);
  const KidResult kid = kernel_inception_distance(x, y, 3, 10);
  EXPECT_NEAR(kid.mean, kuu + kvv - 2 * kuv, 1e-9);
  EXPECT_NEAR(kid.standard_error, 0.0, 1e-12);
}

TEST(Kid, IsUnbiasedOnEqualDistributionsAndPositiveOtherwise) {
  torch::manual_seed(5);
  const torch::Tensor x = torch::randn({4000, 16}, torch::kFloat64), y = torch::randn({4000, 16}, torch::kFloat64);
  const KidResult same = kernel_inception_distance(x, y, 50, 500);
  EXPECT_LT(std::abs(same.mean), 3 * same.standard_error + 1e-6);  // zero within the noise
  const KidResult shifted = kernel_inception_distance(x, y + 0.3, 50, 500);
  EXPECT_GT(shifted.mean, 10 * shifted.standard_error);
}

TEST(PrecisionRecall, OneDimensionalCaseByHand) {
  // Real 0..9, k = 3: radius 3 at the ends, 2 inside. Generated 4.5 (within 2 of 4)
  // and -2.5 (within 3 of 0) are inside, 20 and 12.5 (3.5 from 9) outside.
  const torch::Tensor real = torch::arange(10, torch::kFloat64).unsqueeze(1);
  const torch::Tensor generated = torch::tensor({4.5, 20.0, -2.5, 12.5}, torch::kFloat64).unsqueeze(1);
  const PrecisionRecall pr = precision_recall(real, generated, 3);
  EXPECT_DOUBLE_EQ(pr.precision, 0.5);
  // Generated radii (third neighbour of four points) are 15 or more: every real point is covered.
  EXPECT_DOUBLE_EQ(pr.recall, 1.0);
}

TEST(PrecisionRecall, CollapsedGeneratorHasPrecisionButNoRecall) {
  torch::manual_seed(6);
  const torch::Tensor real = torch::randn({2000, 4});
  const PrecisionRecall same = precision_recall(real, torch::randn({2000, 4}));
  EXPECT_GT(same.precision, 0.9);
  EXPECT_GT(same.recall, 0.9);
  // Every sample near one real point: all inside the real manifold, covering little of it.
  const PrecisionRecall collapsed = precision_recall(real, 0.01 * torch::randn({2000, 4}));
  EXPECT_GT(collapsed.precision, 0.99);
  EXPECT_LT(collapsed.recall, 0.2);
  EXPECT_THROW(precision_recall(real, torch::randn({3, 4})), Error);
}

}  // namespace
}  // namespace diffuse
