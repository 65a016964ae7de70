#include "diffuse/apps/symmetry_ensemble.h"

#include <memory>
#include <set>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

TEST(Symmetry, TheEightAreDistinctAndUndoneExactly) {
  const torch::Tensor image = torch::arange(15, torch::kFloat64).view({1, 1, 3, 5});
  std::vector<torch::Tensor> seen;
  for (int64_t k = 0; k < 8; ++k) {
    const torch::Tensor turned = apply_symmetry(image, k);
    EXPECT_TRUE(torch::equal(undo_symmetry(turned, k), image)) << k;
    for (const torch::Tensor& other : seen) EXPECT_FALSE(other.sizes() == turned.sizes() && torch::equal(other, turned)) << k;
    seen.push_back(turned);
  }
  EXPECT_TRUE(torch::equal(apply_symmetry(image, 0), image));
  EXPECT_TRUE(torch::equal(apply_symmetry(image, 4), image.flip({3})));   // mirrored left to right
  EXPECT_EQ(apply_symmetry(image, 1).sizes(), (std::vector<int64_t>{1, 1, 5, 3}));  // a quarter turn
  EXPECT_EQ(apply_symmetry(image, 1)[0][0][0][0].item<double>(), 4.0);  // counter-clockwise: the top-right comes first
  EXPECT_THROW(apply_symmetry(image, 8), Error);
}

// A network that is not symmetric at all: it weighs every pixel by its column.
class ColumnRamp : public NoiseNetwork {
 public:
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor&, const Conditioning&) override {
    const torch::Tensor ramp = torch::arange(x_t.size(3), x_t.options()).div(x_t.size(3));
    return x_t * ramp + 0.1 * x_t.roll(1, 2);
  }
  std::vector<int64_t> sample_shape() const override { return {1, 6, 6}; }
  std::string describe() const override { return "column ramp"; }
};

// The ensemble of any network answers a turned image with its answer turned:
// it is equivariant under all 8 symmetries.
TEST(SymmetryEnsembleDenoiser, IsEquivariantWhateverTheNetwork) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  auto base = std::make_shared<const Denoiser>(std::make_shared<ColumnRamp>(), schedule, Prediction::kEpsilon, false);
  const SymmetryEnsembleDenoiser ensemble(base);
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({2, 1, 6, 6}, torch::kFloat64);
  const torch::Tensor t = torch::tensor({10, 70});
  const EpsilonAndX0 answer = ensemble.predict(x, t);
  for (int64_t k = 1; k < 8; ++k) {
    const EpsilonAndX0 turned = ensemble.predict(apply_symmetry(x, k).contiguous(), t);
    EXPECT_LT((turned.eps - apply_symmetry(answer.eps, k)).abs().max().item<double>(), 1e-12) << k;
    EXPECT_LT((turned.x0 - apply_symmetry(answer.x0, k)).abs().max().item<double>(), 1e-12) << k;
  }
  // The plain network is not: the ensemble changed its answer.
  EXPECT_GT((base->predict(x, t).eps - answer.eps).abs().max().item<double>(), 0.05);
  // eps and x0 stay consistent: x_t = sqrt(abar) x0 + sqrt(1 - abar) eps.
  const torch::Tensor a = schedule.sqrt_alpha_bar(t, x), s = schedule.sqrt_one_minus_alpha_bar(t, x);
  EXPECT_LT((a * answer.x0 + s * answer.eps - x).abs().max().item<double>(), 1e-12);
}

TEST(SymmetryEnsembleDenoiser, LeavesASymmetricDenoiserAsItIs) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  auto oracle = std::make_shared<testing::GaussianOracle>(schedule, std::vector<int64_t>{1, 4, 4}, 0.2, 0.5);
  auto base = std::make_shared<const Denoiser>(oracle, schedule, Prediction::kEpsilon, false);
  const SymmetryEnsembleDenoiser ensemble(base);
  const torch::Tensor x = torch::randn({3, 1, 4, 7}, torch::kFloat64);
  const torch::Tensor t = torch::tensor({5, 50, 99});
  EXPECT_LT((ensemble.predict(x, t).x0 - base->predict(x, t).x0).abs().max().item<double>(), 1e-12);
}

}  // namespace
}  // namespace diffuse
