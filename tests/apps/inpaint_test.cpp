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
  for (const auto& [steps, jump, resamplings] : {std::tuple{20, 5, 2}, std::tuple{21, 5, 3}, std::tuple{7, 10, 1},
                                                 std::tuple{100, 10, 5}, std::tuple{11, 1, 2}}) {
    const std::vector<int64_t> visited = repaint_levels(steps, jump, resamplings);
    int64_t downward = 0;
    for (size_t i = 1; i < visited.size(); ++i) downward += visited[i] < visited[i - 1] ? 1 : 0;
    EXPECT_EQ(inpaint_evaluations({steps, jump, resamplings}), downward) << steps << " " << jump << " " << resamplings;
  }
  // A jump as long as the steps has no point to jump back from: resamplings
  // would do nothing, and asking for them is an error rather than a no-op.
  EXPECT_EQ(repaint_levels(7, 10, 4), (std::vector<int64_t>{7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_THROW(inpaint_evaluations({7, 10, 4}), Error);
  EXPECT_THROW(inpaint_evaluations({10, 10, 2}), Error);
  EXPECT_EQ(inpaint_evaluations({11, 10, 2}), 11 + 10);
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

// Pixels that share one value: x0 = z 1 + e with z ~ N(0, 1), e ~ N(0, w^2 I),
// i.e. x0 ~ N(0, S), S = w^2 I + 1 1^T. The exact posterior mean is
// E[x0 | x_t] = a S (a^2 S + s^2 I)^-1 x_t, with (b I + g 1 1^T)^-1 =
// (I - g / (b + d g) 1 1^T) / b (Sherman-Morrison).
class SharedValueOracle : public NoiseNetwork {
 public:
  SharedValueOracle(NoiseSchedule schedule, double w) : schedule_(std::move(schedule)), w_(w) {}
  using NoiseNetwork::forward;
  torch::Tensor forward(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning&) override {
    const torch::Tensor x = x_t.flatten(1).to(torch::kFloat64);
    const auto d = static_cast<double>(x.size(1));
    const torch::Tensor a = schedule_.sqrt_alpha_bar(t, x), s = schedule_.sqrt_one_minus_alpha_bar(t, x);
    const torch::Tensor b = a * a * w_ * w_ + s * s, g = a * a;  // a^2 S + s^2 I = b I + g 1 1^T
    const torch::Tensor solved = (x - g / (b + d * g) * x.sum(1, true)) / b;
    const torch::Tensor x0 = a * (w_ * w_ * solved + solved.sum(1, true));  // a S solved
    return ((x - a * x0) / s).view_as(x_t).to(x_t.scalar_type());  // eps
  }
  std::vector<int64_t> sample_shape() const override { return {1, 4, 4}; }
  std::string describe() const override { return "shared-value oracle"; }

 private:
  NoiseSchedule schedule_;
  double w_;
};

// The known pixels now say what the unknown ones are: given k known pixels,
// the unknown ones have mean k / (w^2 + k) times the known pixels' mean
// (conditioning a Gaussian). RePaint's resampling harmonises the generated
// part with the known part; plain replacement of the known pixels (r = 1)
// does not, and leaves the filled pixels short of the conditional mean.
TEST(Inpaint, ResamplingReachesTheConditionalMeanThatReplacementMisses) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const double w = 0.1;
  const Denoiser denoiser(std::make_shared<SharedValueOracle>(schedule, w), schedule, Prediction::kEpsilon, false);
  const torch::Tensor image = torch::full({32, 1, 4, 4}, 1.5);  // every known pixel 1.5
  torch::Tensor known = torch::zeros({1, 1, 4, 4});
  known.index_put_({0, 0, 0, torch::indexing::Slice(0, 2)}, 1.0);  // k = 2 known pixels
  const double expected = 2.0 / (w * w + 2.0) * 1.5;
  const auto filled_mean = [&](int64_t resamplings) {
    InpaintOptions options;
    options.steps = 100;
    options.jump_length = 10;
    options.resamplings = resamplings;
    const torch::Tensor result = inpaint(denoiser, image, known, options);
    return result.masked_select(known.expand_as(image).to(torch::kBool).logical_not()).mean().item<double>();
  };
  const double repaint = filled_mean(10), replacement = filled_mean(1);
  std::printf("filled pixels' mean: RePaint r=10 %.3f, replacement r=1 %.3f, exact %.3f\n", repaint, replacement, expected);
  EXPECT_NEAR(repaint, expected, 0.1);
  EXPECT_GT(std::abs(replacement - expected), 2.0 * std::abs(repaint - expected));
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
