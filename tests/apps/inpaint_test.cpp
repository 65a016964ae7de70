#include "diffuse/apps/inpaint.h"

#include <memory>
#include <tuple>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

using testing::GaussianOracle;

TEST(RepaintLevels, FollowThePapersJumpSchedule) {
  // No room for a jump: straight down.
  EXPECT_EQ(repaint_levels(5, 10, 10), (std::vector<int64_t>{5, 4, 3, 2, 1, 0}));
  // T = 20, j = 5, r = 2: jumps back up after levels 1, 6, 11 (t = 0, 5, 10 < T - j).
  const std::vector<int64_t> levels = repaint_levels(20, 5, 2);
  EXPECT_EQ(levels.front(), 20);
  EXPECT_EQ(levels.back(), 0);
  int64_t down = 0, up = 0;
  for (size_t i = 1; i < levels.size(); ++i) {
    ASSERT_EQ(std::abs(levels[i] - levels[i - 1]), 1);  // one level at a time
    (levels[i] < levels[i - 1] ? down : up) += 1;
  }
  EXPECT_EQ(up, 3 * 5);
  EXPECT_EQ(down, 20 + 3 * 5);
  // The closed-form count agrees with the schedule itself.
  for (const auto& [steps, jump, resamplings] : {std::tuple{20, 5, 2}, std::tuple{21, 5, 3}, std::tuple{7, 10, 4},
                                                 std::tuple{100, 10, 5}, std::tuple{11, 1, 2}}) {
    const std::vector<int64_t> visited = repaint_levels(steps, jump, resamplings);
    int64_t downward = 0;
    for (size_t i = 1; i < visited.size(); ++i) downward += visited[i] < visited[i - 1] ? 1 : 0;
    EXPECT_EQ(inpaint_evaluations({steps, jump, resamplings}), downward) << steps << " " << jump << " " << resamplings;
  }
  // The paper's setting, T = 250, j = 10, r = 10: 24 jump points, 9 repeats of 10 steps each.
  InpaintOptions paper;
  EXPECT_EQ(inpaint_evaluations(paper), 250 + 24 * 9 * 10);
}

// Independent N(mu, s^2) pixels: the known pixels tell nothing about the
// unknown ones, so the filled-in pixels must follow the prior, and the known
// pixels must come back exactly.
TEST(Inpaint, KeepsKnownPixelsAndFillsTheRestFromTheModel) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const double mu = 0.3, s = 0.4;
  const Denoiser denoiser(std::make_shared<GaussianOracle>(schedule, std::vector<int64_t>{1, 16, 16}, mu, s), schedule,
                          Prediction::kEpsilon, false);
  torch::manual_seed(5);
  const torch::Tensor image = torch::rand({64, 1, 16, 16}) * 2.0 - 1.0;
  torch::Tensor known = torch::ones({1, 1, 16, 16});
  known.index_put_({0, 0, torch::indexing::Slice(4, 12), torch::indexing::Slice(2, 14)}, 0.0);
  InpaintOptions options;
  options.steps = 500;  // few respaced DDPM steps with beta_tilde shrink the spread (see ddpm_test)
  options.jump_length = 10;
  options.resamplings = 2;
  int64_t evaluations = 0;
  options.on_evaluation = [&](int64_t done, int64_t) { evaluations = done; };
  const torch::Tensor result = inpaint(denoiser, image, known, options);
  EXPECT_EQ(evaluations, inpaint_evaluations(options));
  const torch::Tensor kept = known.expand_as(image).to(torch::kBool);
  EXPECT_EQ((result.masked_select(kept) - image.masked_select(kept)).abs().max().item<double>(), 0.0);
  const torch::Tensor filled = result.masked_select(kept.logical_not());
  EXPECT_NEAR(filled.mean().item<double>(), mu, 0.02);
  EXPECT_NEAR(filled.std().item<double>(), s, 0.03);
}

TEST(Inpaint, RefusesMasksThatDoNotFit) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  const Denoiser denoiser(std::make_shared<GaussianOracle>(schedule, std::vector<int64_t>{1, 8, 8}, 0.0, 0.5), schedule,
                          Prediction::kEpsilon, true);
  const torch::Tensor image = torch::zeros({1, 1, 8, 8});
  InpaintOptions options;
  options.steps = 10;
  EXPECT_THROW(inpaint(denoiser, image, torch::ones({1, 1, 8, 9}), options), Error);
  EXPECT_THROW(inpaint(denoiser, image, torch::ones({1, 1, 8}), options), Error);
  EXPECT_THROW(inpaint(denoiser, image, torch::full({1, 1, 8, 8}, 2.0), options), Error);
  options.steps = 101;
  EXPECT_THROW(inpaint(denoiser, image, torch::ones({1, 1, 8, 8}), options), Error);
  options.steps = 10;
  options.resamplings = 0;
  EXPECT_THROW(inpaint(denoiser, image, torch::ones({1, 1, 8, 8}), options), Error);
}

}  // namespace
}  // namespace diffuse
