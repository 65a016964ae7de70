#include "diffuse/schedule.h"

#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(NoiseSchedule, LinearBetasMatchHoEtAl) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  EXPECT_DOUBLE_EQ(schedule.beta(0), 1e-4);
  EXPECT_DOUBLE_EQ(schedule.beta(999), 0.02);
  EXPECT_NEAR(schedule.beta(500), 1e-4 + 500.0 / 999.0 * (0.02 - 1e-4), 1e-15);
}

TEST(NoiseSchedule, AlphaBarIsTheRunningProductOfOneMinusBeta) {
  for (const NoiseSchedule& schedule : {NoiseSchedule::linear(1000), NoiseSchedule::cosine(1000), NoiseSchedule::sigmoid(1000)}) {
    long double product = 1.0L;
    for (int64_t t = 0; t < schedule.num_timesteps(); ++t) {
      product *= 1.0L - static_cast<long double>(schedule.beta(t));
      EXPECT_NEAR(schedule.alpha_bar(t), static_cast<double>(product), 1e-13 * static_cast<double>(product) + 1e-300);
    }
  }
  // Ho et al.'s linear schedule ends almost at pure noise: alpha_bar_T ~ 4.04e-5.
  EXPECT_NEAR(NoiseSchedule::linear(1000).alpha_bar(999), 4.0358e-5, 1e-8);
}

TEST(NoiseSchedule, CosineAlphaBarFollowsItsClosedForm) {
  // Nichol & Dhariwal eq. (17): alpha_bar(t) = f(t) / f(0), f(t) = cos^2(((t/T + s)/(1 + s)) pi/2),
  // exact wherever beta was not clipped at 0.999 (all but the very last steps).
  const int64_t T = 1000;
  const double s = 0.008;
  const NoiseSchedule schedule = NoiseSchedule::cosine(T, s);
  auto f = [&](double t) { return std::pow(std::cos((t / T + s) / (1 + s) * kPi / 2), 2); };
  for (int64_t t : {0, 1, 10, 100, 250, 500, 750, 900, 990}) {
    EXPECT_NEAR(schedule.alpha_bar(t), f(t + 1) / f(0), 1e-12) << "t = " << t;
  }
  EXPECT_DOUBLE_EQ(schedule.beta(T - 1), 0.999);  // clipped, as in the paper
}

TEST(NoiseSchedule, PosteriorVarianceIsEquationSeven) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  for (int64_t t : {1, 2, 10, 500, 999}) {
    const double expected = (1 - schedule.alpha_bar(t - 1)) / (1 - schedule.alpha_bar(t)) * schedule.beta(t);
    EXPECT_DOUBLE_EQ(schedule.posterior_variance(t), expected);
  }
  EXPECT_DOUBLE_EQ(schedule.posterior_variance(0), 0.0);  // x_0 is known given x_1 and x_0
}

TEST(NoiseSchedule, PosteriorMeanIsExactForGaussianData) {
  // For one step the posterior q(x_{t-1} | x_t, x_0) can be computed by Bayes' rule in
  // closed form: x_{t-1} ~ N(sqrt(ab_{t-1}) x0, 1 - ab_{t-1}), x_t | x_{t-1} ~ N(sqrt(alpha_t) x_{t-1}, beta_t).
  const NoiseSchedule schedule = NoiseSchedule::cosine(100);
  for (int64_t t : {1, 30, 99}) {
    const double prior_var = 1 - schedule.alpha_bar_prev(t), beta = schedule.beta(t), alpha = schedule.alpha(t);
    const double posterior_var = 1.0 / (1.0 / prior_var + alpha / beta);
    const double coef_x0 = posterior_var * std::sqrt(schedule.alpha_bar_prev(t)) / prior_var;
    const double coef_xt = posterior_var * std::sqrt(alpha) / beta;
    EXPECT_NEAR(schedule.posterior_variance(t), posterior_var, 1e-12);
    EXPECT_NEAR(schedule.posterior_mean_coef_x0(t), coef_x0, 1e-12);
    EXPECT_NEAR(schedule.posterior_mean_coef_xt(t), coef_xt, 1e-12);
  }
}

TEST(NoiseSchedule, SigmaAndLogSnrAreConsistent) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  for (int64_t t : {0, 100, 999}) {
    const double a = schedule.alpha_bar(t);
    EXPECT_NEAR(schedule.sigma(t), std::sqrt((1 - a) / a), 1e-12 * schedule.sigma(t));
    EXPECT_NEAR(schedule.log_snr(t), -2.0 * std::log(schedule.sigma(t)), 1e-9);
  }
}

TEST(NoiseSchedule, QSampleHasTheClosedFormMeanAndVariance) {
  // Ho et al. eq. (4): q(x_t | x_0) = N(sqrt(ab) x0, (1 - ab) I).
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const int64_t n = 200000;
  torch::manual_seed(0);
  for (int64_t t : {0, 200, 999}) {
    const torch::Tensor x0 = torch::full({n, 1}, 0.7, torch::kFloat64);
    const torch::Tensor x_t = schedule.q_sample(x0, torch::randn({n, 1}, torch::kFloat64), torch::full({n}, t, torch::kLong));
    const double mean = std::sqrt(schedule.alpha_bar(t)) * 0.7, variance = 1 - schedule.alpha_bar(t);
    EXPECT_NEAR(x_t.mean().item<double>(), mean, 5.0 * std::sqrt(variance / n)) << "t = " << t;
    EXPECT_NEAR(x_t.var().item<double>(), variance, 5.0 * variance * std::sqrt(2.0 / n)) << "t = " << t;
  }
}

TEST(NoiseSchedule, RespacingKeepsAlphaBarAtTheKeptSteps) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const std::vector<int64_t> kept{0, 99, 250, 600, 999};
  const NoiseSchedule respaced = schedule.respaced(kept);
  ASSERT_EQ(respaced.num_timesteps(), 5);
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_NEAR(respaced.alpha_bar(static_cast<int64_t>(i)), schedule.alpha_bar(kept[i]), 1e-14);
  }
  EXPECT_THROW(schedule.respaced({5, 5}), Error);
  EXPECT_THROW(schedule.respaced({1000}), Error);
}

TEST(NoiseSchedule, SigmoidAlphaBarFollowsItsClosedForm) {
  // Chen 2023, Algorithm 1 (start -3, end 3, tau 1): alpha_bar(t) = (v_end - sigmoid(6 t - 3)) / (v_end - v_start).
  auto logistic = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  const double v_start = logistic(-3.0), v_end = logistic(3.0);
  const NoiseSchedule schedule = NoiseSchedule::sigmoid(1000);
  for (int64_t t : {0, 10, 250, 500, 750, 990}) {
    const double u = static_cast<double>(t + 1) / 1000.0;
    EXPECT_NEAR(schedule.alpha_bar(t), (v_end - logistic(6.0 * u - 3.0)) / (v_end - v_start), 1e-12) << "t = " << t;
  }
}

TEST(NoiseSchedule, SigmoidIsMonotoneAndEndsNearPureNoise) {
  const NoiseSchedule schedule = NoiseSchedule::sigmoid(1000);
  for (int64_t t = 1; t < 1000; ++t) EXPECT_LT(schedule.alpha_bar(t), schedule.alpha_bar(t - 1));
  EXPECT_GT(schedule.alpha_bar(0), 0.99);
  EXPECT_LT(schedule.alpha_bar(999), 1e-3);
}

TEST(NoiseSchedule, RejectsImpossibleSettings) {
  EXPECT_THROW(NoiseSchedule::linear(0), Error);
  EXPECT_THROW(NoiseSchedule::from_betas({0.5, 1.0}), Error);
  EXPECT_THROW(NoiseSchedule::from_betas({}), Error);
  EXPECT_THROW(NoiseSchedule::linear(10).beta(10), Error);
  EXPECT_THROW(schedule_kind_from_string("quadratic"), Error);
  const NoiseSchedule schedule = NoiseSchedule::linear(10);
  EXPECT_THROW(schedule.q_sample(torch::zeros({2, 1}), torch::zeros({2, 1}), torch::tensor({0, 10})), Error);
}

// EDM's polynomial_2 (s = 1e-5, T = 1000): the values of alphas2 that
// EDM's numpy code (polynomial_schedule + clip_noise_schedule) gives at
// its t = 1, 10, 250, 500, 750, 990, 999, 1000, which are our t - 1.
TEST(NoiseSchedule, PolynomialMatchesEdmsPolynomial2) {
  const NoiseSchedule schedule = NoiseSchedule::polynomial(1000, 2.0, 1e-5);
  const std::vector<std::pair<int64_t, double>> edm{
      {1, 0.9999880000409999}, {10, 0.9997900139998},         {250, 0.8788986718749999},
      {500, 0.5624987499999999}, {750, 0.191412421875},         {990, 0.00040600207980000117},
      {999, 1.3995921079979893e-05}, {1000, 1.000399592107998e-05}};
  for (const auto& [t, alpha2] : edm) {
    EXPECT_NEAR(schedule.alpha_bar(t - 1) / alpha2, 1.0, 1e-12) << "EDM t = " << t;
  }
  ScheduleConfig config;
  config.kind = ScheduleKind::kPolynomial;
  nlohmann::json j = config;
  EXPECT_EQ(j["kind"], "polynomial");
  const ScheduleConfig read = j.get<ScheduleConfig>();
  EXPECT_NEAR(NoiseSchedule::from_config(read).alpha_bar(499), 0.5624987499999999, 1e-12);
}

}  // namespace
}  // namespace diffuse
