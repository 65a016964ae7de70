// Every registered sampler driven by the exact denoiser of Gaussian data:
// what remains is the sampler's own error, which we can compare against
// closed forms.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/denoiser.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/sampling/sampler.h"
#include "diffuse/util/error.h"
#include "sampling/gaussian_oracle.h"

namespace diffuse {
namespace {

constexpr double kMu = 0.5, kStd = 0.3;

const std::vector<std::string> kDeterministic{"ddim", "dpm++2m", "euler", "heun"};

NoiseSchedule schedule_named(const std::string& name) {
  if (name == "cosine") return NoiseSchedule::cosine(1000);
  if (name == "sigmoid") return NoiseSchedule::sigmoid(1000);
  return NoiseSchedule::linear(1000);
}

Denoiser oracle_denoiser(const NoiseSchedule& schedule, Prediction prediction = Prediction::kEpsilon,
                         double s = kStd) {
  auto oracle = std::make_shared<testing::GaussianOracle>(schedule, 4, kMu, s, prediction);
  return Denoiser(oracle, schedule, prediction, /*clip_x0=*/false);
}

// Runs `name` for K steps from float64 noise x_T ~ N(0, tau^2 I).
torch::Tensor run(const std::string& name, int64_t steps, const NoiseSchedule& schedule, SamplerOptions options = {},
                  Prediction prediction = Prediction::kEpsilon, int64_t count = 4000, uint64_t seed = 1) {
  const Denoiser denoiser = oracle_denoiser(schedule, prediction);
  const std::unique_ptr<Sampler> sampler = make_sampler(name, schedule, options);
  sampler->set_timesteps(steps);
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  const torch::Tensor x_T = torch::randn({count, 4}, generator, torch::kFloat64) * options.temperature;
  SampleNoise noise(seed, 0, count);
  return reverse_process(denoiser, *sampler, x_T, noise);
}

TEST(Samplers, EverySamplerTurnsNoiseIntoTheDataDistribution) {
  // 4000 x 4 draws: the standard error of the mean is 0.3 / sqrt(16000) = 0.0024,
  // that of the std 0.0017. 500 steps: enough for the first-order samplers'
  // bias on the std to fall below 0.006 (0.015 to 0.03 at 100 steps).
  for (const std::string& schedule_name : {"linear", "cosine", "sigmoid"}) {
    const NoiseSchedule schedule = schedule_named(schedule_name);
    for (const std::string& name : sampler_names()) {
      const torch::Tensor x = run(name, 500, schedule);
      EXPECT_NEAR(x.mean().item<double>(), kMu, 0.01) << name << " on " << schedule_name;
      EXPECT_NEAR(x.std().item<double>(), kStd, 0.01) << name << " on " << schedule_name;
    }
  }
}

TEST(Samplers, EveryPredictionTargetGivesTheSameSamples) {
  // The exact denoiser answering in x0 or v instead of eps: same samples to rounding.
  const NoiseSchedule schedule = NoiseSchedule::cosine(1000);
  for (const std::string& name : sampler_names()) {
    const torch::Tensor eps = run(name, 20, schedule, {}, Prediction::kEpsilon, 256);
    for (Prediction prediction : {Prediction::kX0, Prediction::kV}) {
      const torch::Tensor other = run(name, 20, schedule, {}, prediction, 256);
      EXPECT_LT((other - eps).abs().max().item<double>(), 1e-6) << name << " " << to_string(prediction);
    }
  }
}

// The probability-flow ODE of Gaussian data has a closed-form solution. In the
// variance-exploding view x = x_t / sqrt(alpha_bar), dx/dsigma = (x - mu) sigma / (s^2 + sigma^2), so
// x(sigma) = mu + (x(sigma_T) - mu) sqrt(s^2 + sigma^2) / sqrt(s^2 + sigma_T^2). Every sampler ends with
// the denoiser at the last timestep, D(x) = mu + s^2 / (s^2 + sigma^2) (x - mu).
torch::Tensor exact_ode_sample(const NoiseSchedule& schedule, const torch::Tensor& x_T, int64_t t_first, int64_t t_last) {
  const double s2 = kStd * kStd;
  const double sigma_T = schedule.sigma(t_first), sigma_0 = schedule.sigma(t_last);
  const torch::Tensor x_ve = x_T / std::sqrt(schedule.alpha_bar(t_first));
  const torch::Tensor at_last = kMu + (x_ve - kMu) * std::sqrt((s2 + sigma_0 * sigma_0) / (s2 + sigma_T * sigma_T));
  return kMu + s2 / (s2 + sigma_0 * sigma_0) * (at_last - kMu);
}

// Largest deviation from the exact ODE solution, K steps, 64 fixed starts.
double ode_error(const std::string& name, int64_t steps, const NoiseSchedule& schedule, Spacing spacing) {
  SamplerOptions options;
  options.spacing = spacing;
  const std::unique_ptr<Sampler> sampler = make_sampler(name, schedule, options);
  sampler->set_timesteps(steps);
  const torch::Tensor x_T = torch::linspace(-3.0, 3.0, 64, torch::kFloat64).reshape({16, 4});
  SampleNoise noise(0, 0, x_T.size(0));
  const torch::Tensor x = reverse_process(oracle_denoiser(schedule), *sampler, x_T, noise);
  const std::vector<int64_t>& t = sampler->step_timesteps();
  return (x - exact_ode_sample(schedule, x_T, t.front(), t.back())).abs().max().item<double>();
}

// Least-squares slope of log(error) against log(K): minus the order of convergence.
double convergence_order(const std::string& name, const NoiseSchedule& schedule, Spacing spacing) {
  const std::vector<int64_t> ks{40, 80, 160};
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int64_t k : ks) {
    const double x = std::log(static_cast<double>(k)), y = std::log(ode_error(name, k, schedule, spacing));
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double n = static_cast<double>(ks.size());
  return -(n * sxy - sx * sy) / (n * sxx - sx * sx);
}

TEST(Samplers, DeterministicSamplersConvergeAtTheirOrder) {
  // DDIM and Euler are first order, DPM-Solver++(2M) (Lu et al. 2022, Theorem 3.2)
  // and Heun (Karras et al. 2022, sec. 3) second order. The slope is fitted over
  // K = 40, 80, 160, where the error is in its asymptotic regime: at 5 to 20 steps
  // the few steps near sigma ~ s dominate and the error falls irregularly.
  const std::vector<std::pair<std::string, Spacing>> cases{
      {"linear", Spacing::kLinspace}, {"linear", Spacing::kKarras}, {"cosine", Spacing::kKarras}};
  for (const auto& [schedule_name, spacing] : cases) {
    const NoiseSchedule schedule = schedule_named(schedule_name);
    for (const std::string& name : kDeterministic) {
      const double order = convergence_order(name, schedule, spacing);
      const double expected = name == "ddim" || name == "euler" ? 1.0 : 2.0;
      EXPECT_NEAR(order, expected, 0.25) << name << " " << schedule_name << " " << to_string(spacing);
    }
  }
}

struct ReferenceCase {
  std::string schedule, spacing;
  int64_t steps;
  std::string sampler;
  std::vector<double> samples;  // from x_T = -2, 0.5, 1.7
};

TEST(Samplers, DeterministicSamplersMatchAnIndependentReference) {
  // Printed by tests/sampling/reference/samplers_reference.py: a plain-Python float64
  // implementation of the same methods in the k-diffusion / EDM variance-exploding loop.
  const std::vector<ReferenceCase> cases{
      {"linear", "linspace", 10, "ddim", {0.138051226444253, 0.589769771952338, 0.806594673796219}},
      {"linear", "linspace", 10, "euler", {0.138051226444254, 0.589769771952338, 0.806594673796218}},
      {"linear", "linspace", 10, "heun", {-0.204494997291741, 0.67472736439236, 1.09675409800073}},
      {"linear", "linspace", 10, "dpm++2m", {-0.240475878025378, 0.683651266596452, 1.12723229601493}},
      {"linear", "karras", 10, "ddim", {0.0596181706786406, 0.608386835018602, 0.871795793901783}},
      {"linear", "karras", 10, "euler", {0.0596181706786405, 0.608386835018602, 0.871795793901783}},
      {"linear", "karras", 10, "heun", {-0.234127043296868, 0.680683446560751, 1.11979248169241}},
      {"linear", "karras", 10, "dpm++2m", {-0.152412450247098, 0.660571839937139, 1.05080429922557}},
      {"cosine", "karras", 8, "ddim", {0.102617741231191, 0.597802163560453, 0.835490686278499}},
      {"cosine", "karras", 8, "euler", {0.102617741231191, 0.597802163560453, 0.835490686278499}},
      {"cosine", "karras", 8, "heun", {-0.332396574828895, 0.704866181522059, 1.20275230457052}},
      {"cosine", "karras", 8, "dpm++2m", {-0.141551584446895, 0.657896160711712, 1.04163107838784}},
  };
  for (const ReferenceCase& c : cases) {
    const NoiseSchedule schedule = schedule_named(c.schedule);
    SamplerOptions options;
    options.spacing = spacing_from_string(c.spacing);
    const std::unique_ptr<Sampler> sampler = make_sampler(c.sampler, schedule, options);
    sampler->set_timesteps(c.steps);
    const torch::Tensor x_T = torch::tensor({-2.0, 0.5, 1.7}, torch::kFloat64).reshape({3, 1}).expand({3, 4}).contiguous();
    SampleNoise noise(0, 0, x_T.size(0));
    const torch::Tensor x = reverse_process(oracle_denoiser(schedule), *sampler, x_T, noise);
    for (int64_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(x[i][0].item<double>(), c.samples[static_cast<size_t>(i)], 1e-10)
          << c.sampler << " " << c.schedule << " " << c.spacing << " from x_T = " << x_T[i][0].item<double>();
    }
  }
}

TEST(Samplers, StartingPartWayFromTheTrueMarginalKeepsTheDistribution) {
  // SDEdit's premise: x_t* = sqrt(a) x0 + sqrt(1 - a) eps with x0 from the data is
  // distributed as q(x_t*), so the reverse process from t* must again give the data.
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const Denoiser denoiser = oracle_denoiser(schedule);
  const int64_t first = 400;
  const double a = schedule.alpha_bar(first);
  SamplerOptions churn;
  churn.churn.s_churn = 40;  // read by euler and heun; the first state is still evaluated where it is
  for (const std::string& name : sampler_names()) {
    const std::unique_ptr<Sampler> sampler = make_sampler(name, schedule, churn);
    sampler->set_timesteps(400, first);
    EXPECT_EQ(sampler->timesteps().front(), first) << name;
    torch::Generator generator = at::detail::createCPUGenerator(3);
    const torch::Tensor x0 = kMu + kStd * torch::randn({4000, 4}, generator, torch::kFloat64);
    const torch::Tensor x_first = std::sqrt(a) * x0 + std::sqrt(1 - a) * torch::randn({4000, 4}, generator, torch::kFloat64);
    SampleNoise noise(3, 0, 4000);
    const torch::Tensor x = reverse_process(denoiser, *sampler, x_first, noise);
    EXPECT_NEAR(x.mean().item<double>(), kMu, 0.01) << name;
    EXPECT_NEAR(x.std().item<double>(), kStd, 0.01) << name;
  }
}

TEST(Samplers, DdimOnAPointMassReturnsThePointAlongAStraightPath) {
  // Song et al. sec. 4.1: with eta = 0 the predicted noise stays the noise x_T started
  // with, so every state is sqrt(a_t) x* + sqrt(1 - a_t) z and the end is x*.
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  auto oracle = std::make_shared<testing::GaussianOracle>(schedule, 4, kMu, /*s=*/0.0);
  const Denoiser denoiser(oracle, schedule, Prediction::kEpsilon, false);
  const std::unique_ptr<Sampler> sampler = make_sampler("ddim", schedule, {});
  sampler->set_timesteps(10);
  const torch::Tensor z = torch::randn({32, 4}, torch::kFloat64);
  const int64_t t_first = sampler->timesteps().front();
  const torch::Tensor x_T = std::sqrt(schedule.alpha_bar(t_first)) * kMu + std::sqrt(1 - schedule.alpha_bar(t_first)) * z;
  SampleNoise noise(0, 0, x_T.size(0));
  const torch::Tensor x = reverse_process(denoiser, *sampler, x_T, noise, [&](size_t i, const torch::Tensor& state) {
    if (i + 1 == sampler->timesteps().size()) return;
    const double a = schedule.alpha_bar(sampler->timesteps()[i + 1]);
    EXPECT_LT((state - (std::sqrt(a) * kMu + std::sqrt(1 - a) * z)).abs().max().item<double>(), 1e-12) << i;
  });
  EXPECT_LT((x - kMu).abs().max().item<double>(), 1e-12);
}

TEST(Samplers, EulerIsDdimAndDdimWithEtaOneIsDdpm) {
  // DDIM (eta = 0) is Euler's method on the ODE in sigma (Song et al. eq. 14;
  // Karras et al. sec. 3); with eta = 1 its noise is that of DDPM with beta_tilde.
  const NoiseSchedule schedule = NoiseSchedule::cosine(1000);
  SamplerOptions linspace;
  linspace.spacing = Spacing::kLinspace;
  EXPECT_LT((run("euler", 25, schedule, linspace, Prediction::kEpsilon, 64) -
             run("ddim", 25, schedule, linspace, Prediction::kEpsilon, 64))
                .abs()
                .max()
                .item<double>(),
            1e-9);
  SamplerOptions eta_one;
  eta_one.eta = 1.0;
  EXPECT_LT((run("ddim", 25, schedule, eta_one, Prediction::kEpsilon, 64) -
             run("ddpm", 25, schedule, {}, Prediction::kEpsilon, 64))
                .abs()
                .max()
                .item<double>(),
            1e-9);
}

TEST(Samplers, TemperatureScalesTheSpreadAndZeroIsDeterministic) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  SamplerOptions cool;
  cool.temperature = 0.5;
  for (const std::string& name : kDeterministic) {
    // Each deterministic sampler is an affine map of x_T (the ODE of Gaussian data is
    // linear), so the spread of the samples follows tau exactly.
    const double ratio = run(name, 20, schedule, cool).std().item<double>() / run(name, 20, schedule).std().item<double>();
    EXPECT_NEAR(ratio, 0.5, 1e-9) << name;
  }
  SamplerOptions cold;
  cold.temperature = 0.0;
  cold.churn.s_churn = 40;
  cold.eta = 1.0;
  for (const std::string& name : sampler_names()) {
    const torch::Tensor a = run(name, 30, schedule, cold, Prediction::kEpsilon, 64, 1);
    const torch::Tensor b = run(name, 30, schedule, cold, Prediction::kEpsilon, 64, 2);
    EXPECT_TRUE(torch::equal(a, b)) << name;
    EXPECT_LT(run(name, 30, schedule, cool).std().item<double>(), 0.8 * kStd) << name;
  }
}

TEST(Samplers, ChurnKeepsTheDistribution) {
  // Karras et al. Algorithm 2 with S_churn = 40: the noise added is removed again.
  SamplerOptions churn;
  churn.churn.s_churn = 40;
  for (const std::string& name : {"euler", "heun"}) {
    const torch::Tensor x = run(name, 500, NoiseSchedule::linear(1000), churn);
    EXPECT_NEAR(x.mean().item<double>(), kMu, 0.01) << name;
    EXPECT_NEAR(x.std().item<double>(), kStd, 0.01) << name;
  }
}

TEST(Samplers, HeunEvaluatesTwicePerStepButOnceOnTheLast) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const std::unique_ptr<Sampler> heun = make_sampler("heun", schedule, {});
  heun->set_timesteps(5);
  EXPECT_EQ(heun->step_timesteps(), (std::vector<int64_t>{930, 767, 501, 98, 0}));
  EXPECT_EQ(heun->timesteps(), (std::vector<int64_t>{930, 767, 767, 501, 501, 98, 98, 0, 0}));
  SamplerOptions churn;
  churn.churn.s_churn = 1;  // gamma = 1 / 5: each evaluation at sigma_hat = 1.2 sigma, rounded
  const std::unique_ptr<Sampler> churned = make_sampler("euler", schedule, churn);
  churned->set_timesteps(5);
  const std::vector<int64_t>& t = churned->timesteps();
  EXPECT_EQ(t[0], churned->step_timesteps()[0]);  // the given first state is not churned
  for (size_t k = 1; k < t.size(); ++k) {
    EXPECT_GE(t[k], churned->step_timesteps()[k]);
    // The last step starts at sigma(0) = 0.0100, and 0.0120 rounds back to it.
    if (k + 1 < t.size()) EXPECT_NEAR(schedule.sigma(t[k]) / schedule.sigma(churned->step_timesteps()[k]), 1.2, 0.05) << k;
  }
}

TEST(Samplers, TrajectoryWorksWithEverySampler) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  const Denoiser denoiser = oracle_denoiser(schedule);
  for (const std::string& name : sampler_names()) {
    const std::unique_ptr<Sampler> sampler = make_sampler(name, schedule, {});
    sampler->set_timesteps(10);
    GenerateOptions options;
    options.num_samples = 8;
    options.trajectory_frames = 6;
    const GenerateResult result = generate(denoiser, *sampler, options);
    ASSERT_EQ(result.trajectory.size(0), 6) << name;
    EXPECT_EQ(result.trajectory_timesteps.front(), sampler->timesteps().front()) << name;
    EXPECT_EQ(result.trajectory_timesteps.back(), -1) << name;
    EXPECT_TRUE(torch::equal(result.trajectory[5], result.samples)) << name;
  }
}

TEST(Samplers, MisuseGivesClearErrors) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  EXPECT_THROW(make_sampler("euler-maruyama", schedule, {}), Error);
  for (const std::string& name : sampler_names()) {
    const std::unique_ptr<Sampler> sampler = make_sampler(name, schedule, {});
    EXPECT_THROW(sampler->timesteps(), Error) << name;  // before set_timesteps
    EpsilonAndX0 prediction{torch::zeros({1, 2}), torch::zeros({1, 2})};
    SampleNoise generator(0, 0, 1);
    EXPECT_THROW(sampler->step(prediction, 0, torch::zeros({1, 2}), generator), Error) << name;
    EXPECT_THROW(sampler->set_timesteps(0), Error) << name;
    EXPECT_THROW(sampler->set_timesteps(101), Error) << name;
    sampler->set_timesteps(10);
    const size_t evaluations = sampler->timesteps().size();
    EXPECT_THROW(sampler->step(prediction, evaluations, torch::zeros({1, 2}), generator), Error) << name;
    EXPECT_THROW(sampler->step(prediction, 3, torch::zeros({1, 2}), generator), Error) << name;  // out of order
    sampler->step(prediction, 0, torch::zeros({1, 2}), generator);
    sampler->step(prediction, 1, torch::zeros({1, 2}), generator);
    EXPECT_NO_THROW(sampler->step(prediction, 0, torch::zeros({1, 2}), generator)) << name;  // starting over
  }
  SamplerOptions bad;
  bad.temperature = -1;
  EXPECT_THROW(make_sampler("ddpm", schedule, bad), Error);
  bad = {};
  bad.eta = 1.5;
  EXPECT_THROW(make_sampler("ddim", schedule, bad), Error);
  bad = {};
  bad.churn.s_churn = -1;
  EXPECT_THROW(make_sampler("heun", schedule, bad), Error);
}

}  // namespace
}  // namespace diffuse
