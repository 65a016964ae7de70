#include "diffuse/planning/subgoal_path.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// A point under constant acceleration, sampled at time t: [x, y, vx, vy].
torch::Tensor accelerating(double t) {
  const double ax = 2.0, ay = -3.0, vx = 1.5, vy = 0.5;
  return torch::tensor({0.3 + vx * t + 0.5 * ax * t * t, 2.0 + vy * t + 0.5 * ay * t * t, vx + ax * t, vy + ay * t},
                       torch::kFloat64);
}

TEST(SubgoalPath, IsExactForConstantAccelerationAtEveryStep) {
  const int64_t stride = 5;
  const double dt = 0.01;
  std::vector<torch::Tensor> subgoals;
  for (int64_t k = 0; k < 4; ++k) subgoals.push_back(accelerating(static_cast<double>(k * stride) * dt));
  const torch::Tensor path = subgoal_path(torch::stack(subgoals), stride, dt);
  ASSERT_EQ(path.sizes(), (std::vector<int64_t>{16, 4}));
  for (int64_t row = 0; row < 16; ++row) {
    EXPECT_TRUE(torch::allclose(path[row], accelerating(static_cast<double>(row) * dt), 1e-12, 1e-12)) << row;
  }
}

TEST(SubgoalPath, PassesThroughTheSubgoalsWithTheirVelocities) {
  const torch::Tensor subgoals =
      torch::tensor({{1.0, 1.0, 3.0, 0.0}, {1.4, 1.1, 0.0, 2.0}, {1.0, 2.0, -1.0, 0.0}}, torch::kFloat64);
  const torch::Tensor path = subgoal_path(subgoals, 15, 0.01);
  ASSERT_EQ(path.size(0), 31);
  for (int64_t k = 0; k < 3; ++k) EXPECT_TRUE(torch::equal(path[15 * k], subgoals[k])) << k;
  // The velocity is the position's derivative: central differences agree to O(h^2).
  for (int64_t row = 1; row < 30; ++row) {
    if (row == 15) continue;  // a corner of the piecewise cubic: each side is smooth, the join is C1
    const torch::Tensor central = (path[row + 1].slice(0, 0, 2) - path[row - 1].slice(0, 0, 2)) / 0.02;
    EXPECT_TRUE(torch::allclose(central, path[row].slice(0, 2), 0.0, 0.1)) << row;
  }
  // One stride: the subgoals themselves.
  EXPECT_TRUE(torch::equal(subgoal_path(subgoals, 1, 0.01), subgoals));
}

TEST(SubgoalPath, RefusesWhatIsNotAPlan) {
  EXPECT_THROW(subgoal_path(torch::zeros({3, 4}, torch::kFloat32), 2, 0.01), Error);
  EXPECT_THROW(subgoal_path(torch::zeros({3, 2}, torch::kFloat64), 2, 0.01), Error);
  EXPECT_THROW(subgoal_path(torch::zeros({3, 4}, torch::kFloat64), 0, 0.01), Error);
  EXPECT_THROW(subgoal_path(torch::zeros({3, 4}, torch::kFloat64), 2, 0.0), Error);
}

}  // namespace
}  // namespace diffuse
