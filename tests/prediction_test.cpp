#include "diffuse/prediction.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/schedule.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

class PredictionConversions : public ::testing::TestWithParam<Prediction> {};

TEST_P(PredictionConversions, EveryParameterisationRecoversEpsAndX0) {
  const NoiseSchedule schedule = NoiseSchedule::cosine(1000);
  torch::manual_seed(1);
  const torch::Tensor x0 = torch::randn({6, 3, 4, 4}, torch::kFloat64);
  const torch::Tensor eps = torch::randn({6, 3, 4, 4}, torch::kFloat64);
  const torch::Tensor t = torch::tensor({0, 1, 100, 500, 900, 998}, torch::kLong);
  const torch::Tensor a = schedule.sqrt_alpha_bar(t, x0), s = schedule.sqrt_one_minus_alpha_bar(t, x0);
  const torch::Tensor x_t = a * x0 + s * eps;
  const torch::Tensor target = training_target(GetParam(), x0, eps, a, s);
  const EpsilonAndX0 recovered = interpret_output(GetParam(), target, x_t, a, s);
  EXPECT_TRUE(torch::allclose(recovered.eps, eps, 1e-8, 1e-8));
  EXPECT_TRUE(torch::allclose(recovered.x0, x0, 1e-6, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(AllTargets, PredictionConversions,
                         ::testing::Values(Prediction::kEpsilon, Prediction::kX0, Prediction::kV),
                         [](const ::testing::TestParamInfo<Prediction>& info) { return to_string(info.param); });

// Hang et al. 2023: whatever the target, weight x squared target error is
// min(SNR, gamma) x the squared error of the x0 it implies.
TEST_P(PredictionConversions, MinSnrWeightsEveryTargetLikeItsX0Error) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const double gamma = 5.0;
  for (int64_t step : {0, 40, 150, 400, 999}) {
    const double alpha_bar = schedule.alpha_bar(step);
    const double snr = alpha_bar / (1.0 - alpha_bar);
    const torch::Tensor a = torch::full({1}, std::sqrt(alpha_bar), torch::kFloat64);
    const torch::Tensor s = torch::full({1}, std::sqrt(1.0 - alpha_bar), torch::kFloat64);
    const torch::Tensor x0 = torch::tensor({0.7}, torch::kFloat64), eps = torch::tensor({-1.3}, torch::kFloat64);
    const torch::Tensor x_t = a * x0 + s * eps;
    const torch::Tensor x0_hat = x0 + 0.01;  // a network that is off by 0.01 in x0
    const torch::Tensor eps_hat = eps_from_x0(x_t, x0_hat, a, s);
    const torch::Tensor output = training_target(GetParam(), x0_hat, eps_hat, a, s);
    const double error = (output - training_target(GetParam(), x0, eps, a, s)).item<double>();
    const double weighted = min_snr_loss_weight(GetParam(), snr, gamma) * error * error;
    EXPECT_NEAR(weighted, std::min(snr, gamma) * 1e-4, 1e-9 * std::max(1.0, std::min(snr, gamma))) << "t = " << step;
    EXPECT_EQ(min_snr_loss_weight(GetParam(), snr, 0.0), 1.0);  // gamma 0: L_simple
  }
}

TEST(Prediction, MinSnrWeightOfNoiseIsOneWhereTheSignalIsGone) {
  EXPECT_EQ(min_snr_loss_weight(Prediction::kEpsilon, 0.0, 5.0), 1.0);
  EXPECT_EQ(min_snr_loss_weight(Prediction::kEpsilon, 4.0, 5.0), 1.0);
  EXPECT_DOUBLE_EQ(min_snr_loss_weight(Prediction::kEpsilon, 50.0, 5.0), 0.1);
  EXPECT_DOUBLE_EQ(min_snr_loss_weight(Prediction::kX0, 50.0, 5.0), 5.0);
  EXPECT_DOUBLE_EQ(min_snr_loss_weight(Prediction::kV, 4.0, 5.0), 0.8);
}

TEST(Prediction, VMatchesSalimansAndHo) {
  // v = a eps - s x0, so x0 = a x_t - s v (Salimans & Ho 2022, sec. 4).
  const torch::Tensor a = torch::tensor({0.6}, torch::kFloat64), s = torch::tensor({0.8}, torch::kFloat64);
  const torch::Tensor x0 = torch::tensor({2.0}, torch::kFloat64), eps = torch::tensor({-1.0}, torch::kFloat64);
  EXPECT_DOUBLE_EQ(v_from_eps_and_x0(eps, x0, a, s).item<double>(), 0.6 * -1.0 - 0.8 * 2.0);
}

TEST(Prediction, NamesRoundTrip) {
  for (Prediction p : {Prediction::kEpsilon, Prediction::kX0, Prediction::kV}) {
    EXPECT_EQ(prediction_from_string(to_string(p)), p);
  }
  EXPECT_THROW(prediction_from_string("score"), Error);
}

}  // namespace
}  // namespace diffuse
