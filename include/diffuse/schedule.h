#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <torch/types.h>

namespace diffuse {

// How beta_t is laid out over the T steps of the forward process.
enum class ScheduleKind {
  kLinear,   // Ho et al. 2020: beta linear from 1e-4 to 0.02
  kCosine,   // Nichol & Dhariwal 2021 eq. (17): alpha_bar = cos^2 law
  kSigmoid,  // Chen 2023 ("On the importance of noise scheduling"): sigmoid law
  kPolynomial,  // Hoogeboom et al. 2022 (EDM for molecules): alpha = 1 - (t/T)^power, clipped, with a floor s
};

std::string to_string(ScheduleKind kind);
ScheduleKind schedule_kind_from_string(const std::string& name);

// Everything needed to rebuild a schedule; stored in a run's config.json.
struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::kLinear;
  int64_t num_timesteps = 1000;
  double beta_start = 1e-4;  // linear
  double beta_end = 0.02;    // linear
  double cosine_s = 0.008;   // cosine offset s
  double sigmoid_start = -3.0, sigmoid_end = 3.0, sigmoid_tau = 1.0;  // sigmoid
  double max_beta = 0.999;   // cosine and sigmoid clip beta here (Nichol & Dhariwal)
  double polynomial_power = 2.0, polynomial_s = 1e-5;  // polynomial: EDM's polynomial_2
};
void to_json(nlohmann::json& j, const ScheduleConfig& config);
void from_json(const nlohmann::json& j, ScheduleConfig& config);

// The variance schedule of the forward process q(x_t | x_{t-1}) and every
// quantity derived from it, in float64. Timesteps are 0-based: index t here
// is step t + 1 of Ho et al., so alpha_bar(0) = 1 - beta(0) and
// alpha_bar_prev(0) = 1 (the clean data).
class NoiseSchedule {
 public:
  static NoiseSchedule linear(int64_t num_timesteps, double beta_start = 1e-4, double beta_end = 0.02);
  static NoiseSchedule cosine(int64_t num_timesteps, double s = 0.008, double max_beta = 0.999);
  static NoiseSchedule sigmoid(int64_t num_timesteps, double start = -3.0, double end = 3.0,
                               double tau = 1.0, double max_beta = 0.999);
  // EDM's polynomial_<power> schedule (equivariant_diffusion/en_diffusion.py):
  // alpha_bar(tau) = (1 - 2 s) a(tau) + s, a the cumulative product of the
  // ratios of (1 - tau^power)^2 at tau = t/T, each ratio clipped at >= 0.001.
  // Index t here is EDM's t + 1 (its t = 0 is the data with variance s).
  static NoiseSchedule polynomial(int64_t num_timesteps, double power = 2.0, double s = 1e-5);
  static NoiseSchedule from_config(const ScheduleConfig& config);
  // Any beta sequence with 0 < beta < 1; the other constructors end here.
  static NoiseSchedule from_betas(std::vector<double> betas);

  int64_t num_timesteps() const { return static_cast<int64_t>(betas_.size()); }
  double beta(int64_t t) const;
  double alpha(int64_t t) const { return 1.0 - beta(t); }
  double alpha_bar(int64_t t) const;       // prod_{s<=t} (1 - beta_s)
  double alpha_bar_prev(int64_t t) const;  // alpha_bar(t - 1), 1 at t = 0
  // sigma_t = sqrt((1 - alpha_bar) / alpha_bar): the noise level of the
  // equivalent variance-exploding process x_t / sqrt(alpha_bar) (EDM view).
  double sigma(int64_t t) const;
  double log_snr(int64_t t) const;  // log(alpha_bar / (1 - alpha_bar))
  // Ho et al. eq. (7): q(x_{t-1} | x_t, x_0) = N(mu_tilde, beta_tilde I),
  // mu_tilde = coef_x0 * x_0 + coef_xt * x_t.
  double posterior_variance(int64_t t) const;  // beta_tilde_t
  double posterior_mean_coef_x0(int64_t t) const;
  double posterior_mean_coef_xt(int64_t t) const;

  // Ho et al. eq. (4): x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps,
  // for a batch: x0 and eps of shape [N, ...], t of shape [N] (int64).
  torch::Tensor q_sample(const torch::Tensor& x0, const torch::Tensor& eps, const torch::Tensor& t) const;
  torch::Tensor sqrt_alpha_bar(const torch::Tensor& t, const torch::Tensor& like) const;
  torch::Tensor sqrt_one_minus_alpha_bar(const torch::Tensor& t, const torch::Tensor& like) const;

  // The schedule restricted to the kept timesteps (increasing), with betas
  // recomputed so that alpha_bar is unchanged at every kept step:
  // beta'_i = 1 - alpha_bar(k_i) / alpha_bar(k_{i-1}) (Nichol & Dhariwal,
  // improved-diffusion's timestep respacing).
  NoiseSchedule respaced(const std::vector<int64_t>& kept_timesteps) const;

  const std::vector<double>& betas() const { return betas_; }
  const std::vector<double>& alpha_bars() const { return alpha_bars_; }

 private:
  explicit NoiseSchedule(std::vector<double> betas);
  void check_timestep(int64_t t) const;
  // values[t] for each t in the batch, shaped [N, 1, 1, ...] to broadcast
  // against `like`, in like's dtype and device.
  torch::Tensor gather(const std::vector<double>& values, const torch::Tensor& t, const torch::Tensor& like) const;

  std::vector<double> betas_;
  std::vector<double> alpha_bars_;
  std::vector<double> sqrt_alpha_bars_;
  std::vector<double> sqrt_one_minus_alpha_bars_;
};

}  // namespace diffuse
