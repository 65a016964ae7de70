#pragma once

#include <string>

#include <torch/types.h>

namespace diffuse {

// What the network is trained to output. With x_t = a x0 + s eps,
// a = sqrt(alpha_bar_t), s = sqrt(1 - alpha_bar_t) (Ho et al. eq. 4):
enum class Prediction {
  kEpsilon,  // the noise eps (Ho et al. 2020, L_simple)
  kX0,       // the clean sample x0
  kV,        // v = a eps - s x0 (Salimans & Ho 2022, "progressive distillation" sec. 4)
};

std::string to_string(Prediction prediction);
Prediction prediction_from_string(const std::string& name);

// The two views every sampler needs of one network output.
struct EpsilonAndX0 {
  torch::Tensor eps;
  torch::Tensor x0;
};

// a and s broadcast against x_t (see NoiseSchedule::sqrt_alpha_bar).
torch::Tensor x0_from_eps(const torch::Tensor& x_t, const torch::Tensor& eps, const torch::Tensor& a,
                          const torch::Tensor& s);
torch::Tensor eps_from_x0(const torch::Tensor& x_t, const torch::Tensor& x0, const torch::Tensor& a,
                          const torch::Tensor& s);
torch::Tensor v_from_eps_and_x0(const torch::Tensor& eps, const torch::Tensor& x0, const torch::Tensor& a,
                                const torch::Tensor& s);

// Reads a network output as (eps, x0), whatever the parameterisation.
EpsilonAndX0 interpret_output(Prediction prediction, const torch::Tensor& output, const torch::Tensor& x_t,
                              const torch::Tensor& a, const torch::Tensor& s);

// The regression target for training, given the true x0 and eps.
torch::Tensor training_target(Prediction prediction, const torch::Tensor& x0, const torch::Tensor& eps,
                              const torch::Tensor& a, const torch::Tensor& s);

// Min-SNR-gamma loss weighting (Hang et al. 2023, "Efficient Diffusion
// Training via Min-SNR Weighting Strategy", eq. 6 and sec. 3.4): the weight
// min(SNR_t, gamma) on the x0 error ||x0 - x0_hat||^2, with
// SNR_t = alpha_bar / (1 - alpha_bar). The three targets' errors are the x0
// error times SNR (eps) or SNR + 1 (v), so the weight on their squared error is
// min(SNR, gamma) / SNR, min(SNR, gamma), min(SNR, gamma) / (SNR + 1). Low-noise
// steps, whose eps errors are large but matter little to a sample, stop
// dominating the gradient. gamma <= 0 means no weighting (1 everywhere).
double min_snr_loss_weight(Prediction prediction, double snr, double gamma);

}  // namespace diffuse
