#include "diffuse/data/toy2d.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(Toy2d, PointsArePureFunctionsOfTheirIndex) {
  const Toy2dDataset a("moons", 3), b("moons", 3);
  EXPECT_TRUE(torch::equal(a.get_batch({5, 17, 5}).x0, b.get_batch({5, 17, 5}).x0));
  const torch::Tensor batch = a.get_batch({5, 17, 5}).x0;
  EXPECT_TRUE(torch::equal(batch[0], batch[2]));
  EXPECT_FALSE(torch::equal(batch[0], batch[1]));
}

TEST(Toy2d, EightGaussiansHasItsEightModes) {
  const Toy2dDataset data("8gaussians");
  const torch::Tensor points = data.reference_points(8000).to(torch::kFloat64);
  const torch::Tensor radius = points.norm(2, 1);
  // Centres at radius 4 / 1.414, spread 0.5 / 1.414.
  EXPECT_NEAR(radius.mean().item<double>(), 4.0 / 1.414, 0.05);
  EXPECT_NEAR(points.mean(0).abs().max().item<double>(), 0.0, 0.08);
  const torch::Tensor angle = torch::atan2(points.select(1, 1), points.select(1, 0));
  const torch::Tensor sector = torch::remainder(torch::round(angle / (M_PI / 4)), 8).to(torch::kLong);
  const torch::Tensor counts = torch::bincount(sector, {}, 8).to(torch::kFloat64);
  EXPECT_LT((counts / 1000.0 - 1.0).abs().max().item<double>(), 0.15);
}

// The class of a point is the component it was drawn from, checked against
// the geometry: the nearest of the eight centres, the half of moons, the
// square of the checkerboard.
TEST(Toy2d, ClassesAreTheMixtureComponents) {
  const Batch gaussians = Toy2dDataset("8gaussians").reference_batch(4000);
  ASSERT_EQ(Toy2dDataset("8gaussians").num_classes(), 8);
  const torch::Tensor points = gaussians.x0.to(torch::kFloat64);
  const torch::Tensor angle = torch::atan2(points.select(1, 1), points.select(1, 0));
  const torch::Tensor nearest = torch::remainder(torch::round(angle / (M_PI / 4)), 8).to(torch::kLong);
  // Points 0.35 from a centre 2.8 out may stray past the sector border only rarely.
  EXPECT_GT(nearest.eq(gaussians.conditioning.class_labels).to(torch::kFloat64).mean().item<double>(), 0.99);

  const Batch moons = Toy2dDataset("moons").reference_batch(4000);
  ASSERT_EQ(Toy2dDataset("moons").num_classes(), 2);
  // The upper moon lies above the lower one on average, and labels split about evenly.
  const torch::Tensor upper = moons.conditioning.class_labels.eq(0);
  EXPECT_GT(moons.x0.select(1, 1).index({upper}).mean().item<double>(),
            moons.x0.select(1, 1).index({upper.logical_not()}).mean().item<double>() + 0.5);
  EXPECT_NEAR(upper.to(torch::kFloat64).mean().item<double>(), 0.5, 0.03);

  const Batch board = Toy2dDataset("checkerboard").reference_batch(4000);
  const torch::Tensor column = torch::floor(board.x0.select(1, 0) / 2.0 + 2.0).to(torch::kLong);
  const torch::Tensor upper_half = board.x0.select(1, 1).gt(0).to(torch::kLong);
  EXPECT_TRUE(torch::equal(board.conditioning.class_labels, 2 * column + upper_half));
  EXPECT_EQ(torch::bincount(board.conditioning.class_labels, {}, 8).min().item<int64_t>() > 400, true);

  EXPECT_EQ(Toy2dDataset("swissroll").num_classes(), 0);
  EXPECT_FALSE(Toy2dDataset("swissroll").get_batch({1, 2}).conditioning.class_labels.defined());
}

TEST(Toy2d, EveryDistributionIsRoughlyUnitScale) {
  for (const auto& name : toy2d_names()) {
    const torch::Tensor points = Toy2dDataset(name).reference_points(4000).to(torch::kFloat64);
    const double spread = points.std(0).mean().item<double>();
    EXPECT_GT(spread, 0.5) << name;
    EXPECT_LT(spread, 3.0) << name;
    EXPECT_TRUE(torch::isfinite(points).all().item<bool>()) << name;
  }
  EXPECT_THROW(Toy2dDataset("spiral"), Error);
}

}  // namespace
}  // namespace diffuse
