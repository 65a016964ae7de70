#include "diffuse/data/toy2d.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(Toy2d, PointsArePureFunctionsOfTheirIndex) {
  const Toy2dDataset a("moons", 3), b("moons", 3);
  EXPECT_TRUE(torch::equal(a.get_batch({5, 17, 5}), b.get_batch({5, 17, 5})));
  const torch::Tensor batch = a.get_batch({5, 17, 5});
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
