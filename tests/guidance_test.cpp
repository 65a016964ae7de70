#include "diffuse/guidance.h"

#include <cmath>
#include <memory>
#include <utility>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/sampling/sample_loop.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

// Two classes in 2-D: N(-1.5, 0.5^2 I) and N(+1.5, 0.5^2 I).
constexpr double kS = 0.5;
const std::vector<double> kMeans{-1.5, 1.5};

struct GuidanceSetup {
  NoiseSchedule schedule = NoiseSchedule::linear(1000);
  std::shared_ptr<testing::ClassGaussianOracle> oracle =
      std::make_shared<testing::ClassGaussianOracle>(schedule, 2, kMeans, kS);
  Denoiser base{oracle, schedule, Prediction::kEpsilon, /*clip_x0=*/false};
};

torch::Tensor sample(const Denoiser& denoiser, const std::string& sampler_name, int64_t label, int64_t count = 4000) {
  const std::unique_ptr<Sampler> sampler = make_sampler(sampler_name, denoiser.schedule(), {});
  sampler->set_timesteps(sampler_name == "ddpm" ? 250 : 50);
  GenerateOptions options;
  options.num_samples = count;
  options.batch_size = 1000;
  options.seed = 11;
  options.class_labels = torch::full({count}, label, torch::kLong);
  return generate(denoiser, *sampler, options).samples.to(torch::kFloat64);
}

TEST(Guidance, ScaleOneSamplesTheClassAndScaleZeroTheMixture) {
  const GuidanceSetup setup;
  for (const std::string& name : {"ddpm", "ddim", "dpm++2m", "heun"}) {
    for (int64_t c = 0; c < 2; ++c) {
      const torch::Tensor conditional = sample(GuidedDenoiser(setup.base, 1.0), name, c);
      EXPECT_NEAR(conditional.mean().item<double>(), kMeans[static_cast<size_t>(c)], 0.03) << name << " class " << c;
      EXPECT_NEAR(conditional.std(0).mean().item<double>(), kS, 0.03) << name << " class " << c;
    }
    // S = 0: the null label, the equal mixture: mean 0, variance s^2 + 1.5^2 per coordinate.
    const torch::Tensor unconditional = sample(GuidedDenoiser(setup.base, 0.0), name, 1);
    EXPECT_NEAR(unconditional.mean().item<double>(), 0.0, 0.08) << name;
    EXPECT_NEAR(unconditional.std(0).mean().item<double>(), std::sqrt(kS * kS + 1.5 * 1.5), 0.05) << name;
  }
}

TEST(Guidance, StrongerGuidanceMovesSamplesAwayFromTheOtherClass) {
  const GuidanceSetup setup;
  const double plain = sample(GuidedDenoiser(setup.base, 1.0), "ddim", 1).mean().item<double>();
  const double strong = sample(GuidedDenoiser(setup.base, 3.0), "ddim", 1).mean().item<double>();
  EXPECT_GT(strong, plain + 0.02);
}

// Five rows with their classes, and the same rows with the null label (2).
std::pair<Conditioning, Conditioning> five_rows_and_null_labels() {
  std::pair<Conditioning, Conditioning> both;
  both.first.class_labels = torch::tensor({0, 1, 1, 0, 1}, torch::kLong);
  both.second.class_labels = torch::full({5}, 2, torch::kLong);
  return both;
}

TEST(Guidance, CombinesBothBranchesOfOneDoubledBatch) {
  const GuidanceSetup setup;
  const torch::Tensor x = torch::randn({5, 2}, torch::kFloat64);
  const torch::Tensor t = torch::full({5}, 300, torch::kLong);
  const auto [conditional, unconditional] = five_rows_and_null_labels();
  const torch::Tensor eps_c = setup.base.predict(x, t, conditional).eps;
  const torch::Tensor eps_u = setup.base.predict(x, t, unconditional).eps;
  const int64_t before = setup.oracle->evaluations, rows_before = setup.oracle->rows_seen;
  const EpsilonAndX0 guided = GuidedDenoiser(setup.base, 2.5).predict(x, t, conditional);
  EXPECT_EQ(setup.oracle->evaluations - before, 1);  // one evaluation ...
  EXPECT_EQ(setup.oracle->rows_seen - rows_before, 10);  // ... of the doubled batch
  EXPECT_LT((guided.eps - (eps_u + 2.5 * (eps_c - eps_u))).abs().max().item<double>(), 1e-12);
  // x0 consistent with the guided eps: x_t = a x0 + s eps.
  const double a = std::sqrt(setup.schedule.alpha_bar(300)), s = std::sqrt(1 - setup.schedule.alpha_bar(300));
  EXPECT_LT((a * guided.x0 + s * guided.eps - x).abs().max().item<double>(), 1e-12);
  // Samples without labels pass through unguided.
  EXPECT_TRUE(torch::equal(GuidedDenoiser(setup.base, 2.5).predict(x, t).eps, setup.base.predict(x, t).eps));
}

TEST(Guidance, ClipsAfterGuidance) {
  const GuidanceSetup setup;
  const Denoiser clipping(setup.oracle, setup.schedule, Prediction::kEpsilon, /*clip_x0=*/true);
  const torch::Tensor x = torch::full({2, 2}, 3.0, torch::kFloat64);
  Conditioning labels;
  labels.class_labels = torch::tensor({1, 1}, torch::kLong);
  const EpsilonAndX0 guided = GuidedDenoiser(clipping, 4.0).predict(x, torch::full({2}, 100, torch::kLong), labels);
  EXPECT_LE(guided.x0.abs().max().item<double>(), 1.0);
  // Unclipped, the guided x0 lies beyond 1 here: the clip is applied to the guided result.
  EXPECT_GT(GuidedDenoiser(setup.base, 4.0).predict(x, torch::full({2}, 100, torch::kLong), labels).x0.max().item<double>(), 1.0);
}

TEST(Guidance, GuidesOnlyInsideItsNoiseInterval) {
  const GuidanceSetup setup;
  const torch::Tensor x = torch::randn({5, 2}, torch::kFloat64);
  // sigma_t grows with t: for (sigma(200), sigma(600)] the rows at t = 100, 200 (the open end) and 900 lie
  // outside, 400 and 600 (the closed end) inside.
  const torch::Tensor t = torch::tensor({100, 200, 400, 600, 900}, torch::kLong);
  const GuidanceInterval interval{setup.schedule.sigma(200), setup.schedule.sigma(600)};
  const auto [conditional, unconditional] = five_rows_and_null_labels();
  const torch::Tensor plain = setup.base.predict(x, t, conditional).eps;
  const torch::Tensor null_label = setup.base.predict(x, t, unconditional).eps;
  for (double scale : {3.0, 0.0}) {
    const torch::Tensor everywhere = GuidedDenoiser(setup.base, scale).predict(x, t, conditional).eps;
    const torch::Tensor limited = GuidedDenoiser(setup.base, scale, interval).predict(x, t, conditional).eps;
    for (int64_t row : {0, 1, 4}) {
      EXPECT_LT((limited[row] - plain[row]).abs().max().item<double>(), 1e-12) << "scale " << scale << " row " << row;
    }
    for (int64_t row : {2, 3}) {
      EXPECT_LT((limited[row] - everywhere[row]).abs().max().item<double>(), 1e-12) << "scale " << scale << " row " << row;
    }
    EXPECT_GT((everywhere - plain).abs().max().item<double>(), 1e-3);  // guidance changes the prediction here
  }
  // S = 0 inside the interval is the null label's prediction.
  const torch::Tensor zero = GuidedDenoiser(setup.base, 0.0, interval).predict(x, t, conditional).eps;
  EXPECT_LT((zero[2] - null_label[2]).abs().max().item<double>(), 1e-12);
  // A batch wholly outside costs one undoubled evaluation.
  const int64_t rows_before = setup.oracle->rows_seen;
  GuidedDenoiser(setup.base, 3.0, interval).predict(x, torch::full({5}, 50, torch::kLong), conditional);
  EXPECT_EQ(setup.oracle->rows_seen - rows_before, 5);
}

// Adaptive projected guidance by hand, row by row in float64: d = x0_c - x0_u split
// into d_par = (<d, x0_c> / |x0_c|^2) x0_c and d_orth = d - d_par, and
// x0 = x0_c + (S - 1) (d_orth + eta d_par) (Sadat et al. 2024).
torch::Tensor projected_by_hand(const torch::Tensor& x0_c, const torch::Tensor& x0_u, double scale, double eta) {
  torch::Tensor out = torch::empty_like(x0_c);
  const auto c = x0_c.accessor<double, 2>(), u = x0_u.accessor<double, 2>();
  auto o = out.accessor<double, 2>();
  for (int64_t i = 0; i < x0_c.size(0); ++i) {
    double dot = 0.0, squared = 0.0;
    for (int64_t j = 0; j < x0_c.size(1); ++j) {
      dot += (c[i][j] - u[i][j]) * c[i][j];
      squared += c[i][j] * c[i][j];
    }
    for (int64_t j = 0; j < x0_c.size(1); ++j) {
      const double d = c[i][j] - u[i][j], parallel = dot / squared * c[i][j];
      o[i][j] = c[i][j] + (scale - 1.0) * ((d - parallel) + eta * parallel);
    }
  }
  return out;
}

TEST(Guidance, ProjectedGuidanceWeightsTheUpdatesParallelPart) {
  const GuidanceSetup setup;
  const torch::Tensor x = torch::randn({5, 2}, torch::kFloat64);
  const torch::Tensor t = torch::tensor({50, 200, 400, 600, 900}, torch::kLong);
  const auto [conditional, unconditional] = five_rows_and_null_labels();
  const torch::Tensor x0_c = setup.base.predict(x, t, conditional).x0;
  const torch::Tensor x0_u = setup.base.predict(x, t, unconditional).x0;
  for (double eta : {0.0, 0.5, 2.0}) {
    const GuidedDenoiser guided(setup.base, 3.0, GuidanceShape{{}, eta});
    const EpsilonAndX0 out = guided.predict(x, t, conditional);
    EXPECT_LT((out.x0 - projected_by_hand(x0_c, x0_u, 3.0, eta)).abs().max().item<double>(), 1e-12) << eta;
    // eps stays consistent with x0: x_t = a x0 + s eps, row by row.
    const torch::Tensor a = setup.schedule.sqrt_alpha_bar(t, x), s = setup.schedule.sqrt_one_minus_alpha_bar(t, x);
    EXPECT_LT((a * out.x0 + s * out.eps - x).abs().max().item<double>(), 1e-12) << eta;
  }
  // eta = 0: the change from the conditional x0 is orthogonal to it, and not zero.
  const torch::Tensor change = GuidedDenoiser(setup.base, 3.0, GuidanceShape{{}, 0.0}).predict(x, t, conditional).x0 - x0_c;
  EXPECT_LT((change * x0_c).sum(1).abs().max().item<double>(), 1e-12);
  EXPECT_GT(change.abs().max().item<double>(), 1e-3);
  // eta near 1 meets classifier-free guidance (the eps form): the two code paths are one map.
  const torch::Tensor cfg = GuidedDenoiser(setup.base, 3.0).predict(x, t, conditional).x0;
  const torch::Tensor near = GuidedDenoiser(setup.base, 3.0, GuidanceShape{{}, 1.0 - 1e-9}).predict(x, t, conditional).x0;
  EXPECT_LT((near - cfg).abs().max().item<double>(), 1e-7);
  EXPECT_GT((GuidedDenoiser(setup.base, 3.0, GuidanceShape{{}, 0.0}).predict(x, t, conditional).x0 - cfg).abs().max().item<double>(), 1e-3);
  // S = 0 with eta = 0 is x0_uncond + d_par by the formula, not the null label alone.
  EXPECT_LT((GuidedDenoiser(setup.base, 0.0, GuidanceShape{{}, 0.0}).predict(x, t, conditional).x0 -
             projected_by_hand(x0_c, x0_u, 0.0, 0.0)).abs().max().item<double>(), 1e-12);
  // With an interval, rows outside keep the conditional x0 exactly.
  const GuidanceShape limited{{setup.schedule.sigma(200), setup.schedule.sigma(600)}, 0.0};
  const torch::Tensor inside_only = GuidedDenoiser(setup.base, 3.0, limited).predict(x, t, conditional).x0;
  const torch::Tensor everywhere = GuidedDenoiser(setup.base, 3.0, GuidanceShape{{}, 0.0}).predict(x, t, conditional).x0;
  for (int64_t row : {0, 1, 4}) EXPECT_LT((inside_only[row] - x0_c[row]).abs().max().item<double>(), 1e-12) << row;
  for (int64_t row : {2, 3}) EXPECT_LT((inside_only[row] - everywhere[row]).abs().max().item<double>(), 1e-12) << row;
}

// Autoguidance: the same two classes modelled worse, each spread 0.8 instead of 0.5.
struct AutoguidanceSetup : GuidanceSetup {
  std::shared_ptr<testing::ClassGaussianOracle> weak_oracle =
      std::make_shared<testing::ClassGaussianOracle>(schedule, 2, kMeans, 0.8);
  std::shared_ptr<const Denoiser> weak =
      std::make_shared<const Denoiser>(weak_oracle, schedule, Prediction::kEpsilon, /*clip_x0=*/false);
};

TEST(Guidance, AutoguidanceSteersAwayFromTheWeakerModelAskedTheSame) {
  const AutoguidanceSetup setup;
  const torch::Tensor x = torch::randn({5, 2}, torch::kFloat64);
  const torch::Tensor t = torch::full({5}, 300, torch::kLong);
  const Conditioning labels = five_rows_and_null_labels().first;
  const torch::Tensor eps = setup.base.predict(x, t, labels).eps;
  const torch::Tensor eps_weak = setup.weak->predict(x, t, labels).eps;  // the same labels, not the null one
  const int64_t strong_rows = setup.oracle->rows_seen, weak_rows = setup.weak_oracle->rows_seen;
  const GuidedDenoiser guided(setup.base, 2.5, {}, setup.weak);
  EXPECT_TRUE(guided.autoguided());
  const EpsilonAndX0 out = guided.predict(x, t, labels);
  EXPECT_EQ(setup.oracle->rows_seen - strong_rows, 5);  // one evaluation of each model, undoubled
  EXPECT_EQ(setup.weak_oracle->rows_seen - weak_rows, 5);
  EXPECT_LT((out.eps - (eps_weak + 2.5 * (eps - eps_weak))).abs().max().item<double>(), 1e-12);
  const double a = std::sqrt(setup.schedule.alpha_bar(300)), s = std::sqrt(1 - setup.schedule.alpha_bar(300));
  EXPECT_LT((a * out.x0 + s * out.eps - x).abs().max().item<double>(), 1e-12);
  // Unlabelled samples are guided too (autoguidance needs no classes) ...
  const torch::Tensor unlabelled = guided.predict(x, t).eps;
  const torch::Tensor mixture = setup.base.predict(x, t).eps, weak_mixture = setup.weak->predict(x, t).eps;
  EXPECT_LT((unlabelled - (weak_mixture + 2.5 * (mixture - weak_mixture))).abs().max().item<double>(), 1e-12);
  // ... and S = 0 is the weaker model alone.
  EXPECT_LT((GuidedDenoiser(setup.base, 0.0, {}, setup.weak).predict(x, t, labels).eps - eps_weak).abs().max().item<double>(),
            1e-12);
}

TEST(Guidance, AutoguidanceNarrowsWhatTheWeakerModelSpreadsAndKeepsTheMean) {
  // Both models centre class 1 on 1.5; the weaker spreads it 0.8 against 0.5,
  // so steering away from it (S = 2) narrows the samples below 0.5 and leaves the mean.
  const AutoguidanceSetup setup;
  const torch::Tensor plain = sample(GuidedDenoiser(setup.base, 1.0, {}, setup.weak), "ddim", 1);
  const torch::Tensor guided = sample(GuidedDenoiser(setup.base, 2.0, {}, setup.weak), "ddim", 1);
  EXPECT_NEAR(plain.std(0).mean().item<double>(), kS, 0.03);
  EXPECT_LT(guided.std(0).mean().item<double>(), kS - 0.05);
  EXPECT_NEAR(guided.mean().item<double>(), kMeans[1], 0.03);
}

TEST(Guidance, AutoguidanceRefusesAGuideOfOtherData) {
  const GuidanceSetup setup;
  const auto guide = [&](std::shared_ptr<NoiseNetwork> network, NoiseSchedule schedule) {
    return std::make_shared<const Denoiser>(std::move(network), std::move(schedule), Prediction::kEpsilon, false);
  };
  const NoiseSchedule cosine = NoiseSchedule::cosine(1000);
  EXPECT_THROW(GuidedDenoiser(setup.base, 2.0, {}, guide(std::make_shared<testing::ClassGaussianOracle>(cosine, 2, kMeans, 0.8), cosine)),
               Error);  // another schedule
  EXPECT_THROW(GuidedDenoiser(setup.base, 2.0, {},
                              guide(std::make_shared<testing::ClassGaussianOracle>(setup.schedule, 2, std::vector<double>{-1, 0, 1}, 0.8),
                                    setup.schedule)),
               Error);  // three classes against two
  EXPECT_THROW(GuidedDenoiser(setup.base, 2.0, {},
                              guide(std::make_shared<testing::ClassGaussianOracle>(setup.schedule, 3, kMeans, 0.8), setup.schedule)),
               Error);  // samples of another shape
  // An unconditional model may be autoguided by another unconditional one.
  auto unconditional = std::make_shared<testing::GaussianOracle>(setup.schedule, 2, 0.0, 1.0);
  const Denoiser plain(unconditional, setup.schedule, Prediction::kEpsilon, false);
  EXPECT_NO_THROW(GuidedDenoiser(plain, 2.0, {}, guide(std::make_shared<testing::GaussianOracle>(setup.schedule, 2, 0.0, 2.0), setup.schedule)));
}

TEST(Guidance, ParsesAndChecksTheInterval) {
  const GuidanceInterval interval = parse_guidance_interval("0.3,5");
  EXPECT_EQ(interval.sigma_min, 0.3);
  EXPECT_EQ(interval.sigma_max, 5.0);
  EXPECT_FALSE(interval.everywhere());
  EXPECT_TRUE(std::isinf(parse_guidance_interval("0.3,inf").sigma_max));
  EXPECT_TRUE(GuidanceInterval{}.everywhere());
  EXPECT_TRUE(parse_guidance_interval("").everywhere());
  EXPECT_EQ(GuidanceInterval{}.describe(), "");
  for (const char* bad : {"5,0.3", "1,1", "-1,2", "a,b", "1", "1,2,3", "nan,2", "1,2x", ",2", "inf,inf", "0.3, 5", "1e999,2"}) {
    EXPECT_THROW(parse_guidance_interval(bad), Error) << bad;
  }
}

TEST(Guidance, RefusesWhatCannotWork) {
  const GuidanceSetup setup;
  EXPECT_THROW(GuidedDenoiser(setup.base, -1.0), Error);
  EXPECT_THROW(GuidedDenoiser(setup.base, std::nan("")), Error);
  EXPECT_THROW(GuidedDenoiser(setup.base, 2.0, GuidanceShape{{}, -0.5}), Error);
  EXPECT_THROW(GuidedDenoiser(setup.base, 2.0, GuidanceShape{{}, std::nan("")}), Error);
  auto unconditional = std::make_shared<testing::GaussianOracle>(setup.schedule, 2, 0.0, 1.0);
  EXPECT_THROW(GuidedDenoiser(Denoiser(unconditional, setup.schedule, Prediction::kEpsilon, false), 2.0), Error);
}

}  // namespace
}  // namespace diffuse
