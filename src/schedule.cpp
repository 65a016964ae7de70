#include "diffuse/schedule.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/util/error.h"
#include "diffuse/util/json_field.h"

namespace diffuse {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Betas from a continuous alpha_bar law f on [0, 1], as Nichol & Dhariwal do
// for the cosine schedule: beta_i = 1 - f((i+1)/T) / f(i/T), clipped at max_beta
// so the last steps stay invertible.
template <typename AlphaBarLaw>
std::vector<double> betas_from_alpha_bar(int64_t num_timesteps, double max_beta, AlphaBarLaw law) {
  std::vector<double> betas(static_cast<size_t>(num_timesteps));
  for (int64_t i = 0; i < num_timesteps; ++i) {
    const double t0 = static_cast<double>(i) / num_timesteps;
    const double t1 = static_cast<double>(i + 1) / num_timesteps;
    betas[static_cast<size_t>(i)] = std::min(1.0 - law(t1) / law(t0), max_beta);
  }
  return betas;
}

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

std::string to_string(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kLinear: return "linear";
    case ScheduleKind::kCosine: return "cosine";
    case ScheduleKind::kSigmoid: return "sigmoid";
    case ScheduleKind::kPolynomial: return "polynomial";
  }
  return "unknown";
}

ScheduleKind schedule_kind_from_string(const std::string& name) {
  if (name == "linear") return ScheduleKind::kLinear;
  if (name == "cosine") return ScheduleKind::kCosine;
  if (name == "sigmoid") return ScheduleKind::kSigmoid;
  if (name == "polynomial") return ScheduleKind::kPolynomial;
  throw Error("unknown noise schedule '" + name + "': expected linear, cosine, sigmoid or polynomial");
}

void to_json(nlohmann::json& j, const ScheduleConfig& c) {
  j = {{"kind", to_string(c.kind)}, {"num_timesteps", c.num_timesteps}};
  switch (c.kind) {
    case ScheduleKind::kLinear:
      j["beta_start"] = c.beta_start;
      j["beta_end"] = c.beta_end;
      break;
    case ScheduleKind::kCosine:
      j["cosine_s"] = c.cosine_s;
      j["max_beta"] = c.max_beta;
      break;
    case ScheduleKind::kSigmoid:
      j["sigmoid_start"] = c.sigmoid_start;
      j["sigmoid_end"] = c.sigmoid_end;
      j["sigmoid_tau"] = c.sigmoid_tau;
      j["max_beta"] = c.max_beta;
      break;
    case ScheduleKind::kPolynomial:
      j["polynomial_power"] = c.polynomial_power;
      j["polynomial_s"] = c.polynomial_s;
      break;
  }
}

void from_json(const nlohmann::json& j, ScheduleConfig& c) {
  c = ScheduleConfig{};
  c.kind = schedule_kind_from_string(json_field(j, "kind", std::string("linear")));
  c.num_timesteps = json_field(j, "num_timesteps", c.num_timesteps);
  c.beta_start = json_field(j, "beta_start", c.beta_start);
  c.beta_end = json_field(j, "beta_end", c.beta_end);
  c.cosine_s = json_field(j, "cosine_s", c.cosine_s);
  c.sigmoid_start = json_field(j, "sigmoid_start", c.sigmoid_start);
  c.sigmoid_end = json_field(j, "sigmoid_end", c.sigmoid_end);
  c.sigmoid_tau = json_field(j, "sigmoid_tau", c.sigmoid_tau);
  c.max_beta = json_field(j, "max_beta", c.max_beta);
  c.polynomial_power = json_field(j, "polynomial_power", c.polynomial_power);
  c.polynomial_s = json_field(j, "polynomial_s", c.polynomial_s);
}

NoiseSchedule NoiseSchedule::linear(int64_t num_timesteps, double beta_start, double beta_end) {
  check(num_timesteps >= 1, "schedule: num_timesteps must be >= 1, got " + std::to_string(num_timesteps));
  std::vector<double> betas(static_cast<size_t>(num_timesteps));
  for (int64_t i = 0; i < num_timesteps; ++i) {
    const double fraction = num_timesteps == 1 ? 0.0 : static_cast<double>(i) / (num_timesteps - 1);
    betas[static_cast<size_t>(i)] = beta_start + fraction * (beta_end - beta_start);
  }
  return from_betas(std::move(betas));
}

NoiseSchedule NoiseSchedule::cosine(int64_t num_timesteps, double s, double max_beta) {
  check(num_timesteps >= 1, "schedule: num_timesteps must be >= 1, got " + std::to_string(num_timesteps));
  // Nichol & Dhariwal eq. (17): f(t) = cos^2(((t/T + s) / (1 + s)) * pi/2).
  auto f = [s](double t) {
    const double c = std::cos((t + s) / (1.0 + s) * kPi / 2.0);
    return c * c;
  };
  return from_betas(betas_from_alpha_bar(num_timesteps, max_beta, f));
}

NoiseSchedule NoiseSchedule::sigmoid(int64_t num_timesteps, double start, double end, double tau, double max_beta) {
  check(num_timesteps >= 1, "schedule: num_timesteps must be >= 1, got " + std::to_string(num_timesteps));
  check(end > start && tau > 0.0, "schedule: sigmoid needs end > start and tau > 0");
  // Chen 2023, Algorithm 1: alpha_bar(t) = (v_end - sigmoid((t (end - start) + start) / tau)) / (v_end - v_start).
  const double v_start = logistic(start / tau);
  const double v_end = logistic(end / tau);
  auto f = [=](double t) {
    const double value = (v_end - logistic((t * (end - start) + start) / tau)) / (v_end - v_start);
    return std::max(value, 1e-12);
  };
  return from_betas(betas_from_alpha_bar(num_timesteps, max_beta, f));
}

NoiseSchedule NoiseSchedule::polynomial(int64_t num_timesteps, double power, double s) {
  check(num_timesteps >= 1, "schedule: num_timesteps must be >= 1, got " + std::to_string(num_timesteps));
  check(power > 0.0 && s > 0.0 && s < 0.5, "schedule: polynomial needs power > 0 and 0 < s < 0.5");
  // EDM's polynomial_schedule: T + 1 points tau = x / (T + 1), x = linspace(0, T + 1, T + 1).
  const int64_t points = num_timesteps + 1;
  std::vector<double> alpha_bar(static_cast<size_t>(points));
  double previous = 1.0, product = 1.0;
  for (int64_t i = 0; i < points; ++i) {
    const double tau = points == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(points - 1);
    const double a = std::pow(1.0 - std::pow(tau, power), 2.0);
    // clip_noise_schedule: each step's ratio at least 0.001, so the schedule is invertible.
    product *= std::clamp(previous > 0.0 ? a / previous : 1.0, 0.001, 1.0);
    previous = a;
    alpha_bar[static_cast<size_t>(i)] = (1.0 - 2.0 * s) * product + s;
  }
  // Our index t is EDM's t + 1, starting from the clean data (alpha_bar = 1).
  std::vector<double> betas(static_cast<size_t>(num_timesteps));
  double before = 1.0;
  for (int64_t t = 0; t < num_timesteps; ++t) {
    const double now = alpha_bar[static_cast<size_t>(t + 1)];
    betas[static_cast<size_t>(t)] = 1.0 - now / before;
    before = now;
  }
  return from_betas(std::move(betas));
}

NoiseSchedule NoiseSchedule::from_config(const ScheduleConfig& c) {
  switch (c.kind) {
    case ScheduleKind::kLinear: return linear(c.num_timesteps, c.beta_start, c.beta_end);
    case ScheduleKind::kCosine: return cosine(c.num_timesteps, c.cosine_s, c.max_beta);
    case ScheduleKind::kSigmoid:
      return sigmoid(c.num_timesteps, c.sigmoid_start, c.sigmoid_end, c.sigmoid_tau, c.max_beta);
    case ScheduleKind::kPolynomial: return polynomial(c.num_timesteps, c.polynomial_power, c.polynomial_s);
  }
  throw Error("schedule: unknown kind");
}

NoiseSchedule NoiseSchedule::from_betas(std::vector<double> betas) {
  check(!betas.empty(), "schedule: needs at least one beta");
  for (size_t i = 0; i < betas.size(); ++i) {
    check(betas[i] > 0.0 && betas[i] < 1.0,
          "schedule: beta[" + std::to_string(i) + "] = " + std::to_string(betas[i]) + " is outside (0, 1)");
  }
  return NoiseSchedule(std::move(betas));
}

NoiseSchedule::NoiseSchedule(std::vector<double> betas) : betas_(std::move(betas)) {
  const size_t n = betas_.size();
  alpha_bars_.resize(n);
  sqrt_alpha_bars_.resize(n);
  sqrt_one_minus_alpha_bars_.resize(n);
  double product = 1.0;
  for (size_t i = 0; i < n; ++i) {
    product *= 1.0 - betas_[i];  // Ho et al. below eq. (4): alpha_bar_t = prod_s alpha_s
    alpha_bars_[i] = product;
    sqrt_alpha_bars_[i] = std::sqrt(product);
    sqrt_one_minus_alpha_bars_[i] = std::sqrt(1.0 - product);
  }
}

void NoiseSchedule::check_timestep(int64_t t) const {
  if (t < 0 || t >= num_timesteps()) {
    throw Error("timestep " + std::to_string(t) + " is outside [0, " + std::to_string(num_timesteps() - 1) + "]");
  }
}

double NoiseSchedule::beta(int64_t t) const {
  check_timestep(t);
  return betas_[static_cast<size_t>(t)];
}

double NoiseSchedule::alpha_bar(int64_t t) const {
  check_timestep(t);
  return alpha_bars_[static_cast<size_t>(t)];
}

double NoiseSchedule::alpha_bar_prev(int64_t t) const {
  check_timestep(t);
  return t == 0 ? 1.0 : alpha_bars_[static_cast<size_t>(t - 1)];
}

double NoiseSchedule::sigma(int64_t t) const {
  const double a = alpha_bar(t);
  return std::sqrt((1.0 - a) / a);
}

double NoiseSchedule::log_snr(int64_t t) const {
  const double a = alpha_bar(t);
  return std::log(a) - std::log1p(-a);
}

double NoiseSchedule::posterior_variance(int64_t t) const {
  // Ho et al. eq. (7): beta_tilde_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) beta_t.
  return (1.0 - alpha_bar_prev(t)) / (1.0 - alpha_bar(t)) * beta(t);
}

double NoiseSchedule::posterior_mean_coef_x0(int64_t t) const {
  // Ho et al. eq. (7): sqrt(alpha_bar_{t-1}) beta_t / (1 - alpha_bar_t).
  return std::sqrt(alpha_bar_prev(t)) * beta(t) / (1.0 - alpha_bar(t));
}

double NoiseSchedule::posterior_mean_coef_xt(int64_t t) const {
  // Ho et al. eq. (7): sqrt(alpha_t) (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t).
  return std::sqrt(alpha(t)) * (1.0 - alpha_bar_prev(t)) / (1.0 - alpha_bar(t));
}

torch::Tensor NoiseSchedule::gather(const std::vector<double>& values, const torch::Tensor& t,
                                    const torch::Tensor& like) const {
  check(t.dim() == 1, "schedule: timesteps must be a 1-D tensor");
  const torch::Tensor t_cpu = t.to(torch::kCPU, torch::kLong);
  const int64_t max_t = t_cpu.numel() ? t_cpu.max().item<int64_t>() : 0;
  const int64_t min_t = t_cpu.numel() ? t_cpu.min().item<int64_t>() : 0;
  check_timestep(min_t);
  check_timestep(max_t);
  const torch::Tensor table =
      torch::from_blob(const_cast<double*>(values.data()), {static_cast<int64_t>(values.size())}, torch::kFloat64);
  std::vector<int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[0] = t.size(0);
  return table.index_select(0, t_cpu).view(shape).to(like.device(), like.scalar_type());
}

torch::Tensor NoiseSchedule::sqrt_alpha_bar(const torch::Tensor& t, const torch::Tensor& like) const {
  return gather(sqrt_alpha_bars_, t, like);
}

torch::Tensor NoiseSchedule::sqrt_one_minus_alpha_bar(const torch::Tensor& t, const torch::Tensor& like) const {
  return gather(sqrt_one_minus_alpha_bars_, t, like);
}

torch::Tensor NoiseSchedule::q_sample(const torch::Tensor& x0, const torch::Tensor& eps, const torch::Tensor& t) const {
  check(x0.sizes() == eps.sizes(), "q_sample: x0 and eps must have the same shape");
  return sqrt_alpha_bar(t, x0) * x0 + sqrt_one_minus_alpha_bar(t, x0) * eps;
}

NoiseSchedule NoiseSchedule::respaced(const std::vector<int64_t>& kept_timesteps) const {
  check(!kept_timesteps.empty(), "respacing: keep at least one timestep");
  std::vector<double> betas;
  betas.reserve(kept_timesteps.size());
  double last_alpha_bar = 1.0;
  int64_t previous = -1;
  for (int64_t t : kept_timesteps) {
    check_timestep(t);
    check(t > previous, "respacing: kept timesteps must be strictly increasing");
    betas.push_back(1.0 - alpha_bar(t) / last_alpha_bar);
    last_alpha_bar = alpha_bar(t);
    previous = t;
  }
  return from_betas(std::move(betas));
}

}  // namespace diffuse
