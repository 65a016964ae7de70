#include "diffuse/prediction.h"

#include <algorithm>

#include "diffuse/util/error.h"

namespace diffuse {

std::string to_string(Prediction prediction) {
  switch (prediction) {
    case Prediction::kEpsilon: return "eps";
    case Prediction::kX0: return "x0";
    case Prediction::kV: return "v";
  }
  return "unknown";
}

Prediction prediction_from_string(const std::string& name) {
  if (name == "eps" || name == "epsilon") return Prediction::kEpsilon;
  if (name == "x0" || name == "sample") return Prediction::kX0;
  if (name == "v" || name == "v_prediction") return Prediction::kV;
  throw Error("unknown prediction target '" + name + "': expected eps, x0 or v");
}

torch::Tensor x0_from_eps(const torch::Tensor& x_t, const torch::Tensor& eps, const torch::Tensor& a,
                          const torch::Tensor& s) {
  return (x_t - s * eps) / a;  // Ho et al. eq. (4) solved for x0
}

torch::Tensor eps_from_x0(const torch::Tensor& x_t, const torch::Tensor& x0, const torch::Tensor& a,
                          const torch::Tensor& s) {
  return (x_t - a * x0) / s;  // Ho et al. eq. (4) solved for eps
}

torch::Tensor v_from_eps_and_x0(const torch::Tensor& eps, const torch::Tensor& x0, const torch::Tensor& a,
                                const torch::Tensor& s) {
  return a * eps - s * x0;  // Salimans & Ho 2022, sec. 4
}

EpsilonAndX0 interpret_output(Prediction prediction, const torch::Tensor& output, const torch::Tensor& x_t,
                              const torch::Tensor& a, const torch::Tensor& s) {
  switch (prediction) {
    case Prediction::kEpsilon:
      return {output, x0_from_eps(x_t, output, a, s)};
    case Prediction::kX0:
      return {eps_from_x0(x_t, output, a, s), output};
    case Prediction::kV:
      // With a^2 + s^2 = 1: x0 = a x_t - s v and eps = s x_t + a v.
      return {s * x_t + a * output, a * x_t - s * output};
  }
  throw Error("unknown prediction target");
}

torch::Tensor training_target(Prediction prediction, const torch::Tensor& x0, const torch::Tensor& eps,
                              const torch::Tensor& a, const torch::Tensor& s) {
  switch (prediction) {
    case Prediction::kEpsilon: return eps;
    case Prediction::kX0: return x0;
    case Prediction::kV: return v_from_eps_and_x0(eps, x0, a, s);
  }
  throw Error("unknown prediction target");
}

double min_snr_loss_weight(Prediction prediction, double snr, double gamma) {
  if (gamma <= 0.0) return 1.0;
  const double clipped = std::min(snr, gamma);
  switch (prediction) {
    case Prediction::kEpsilon: return snr <= gamma ? 1.0 : gamma / snr;  // min(SNR, gamma) / SNR, also at SNR = 0
    case Prediction::kX0: return clipped;
    case Prediction::kV: return clipped / (snr + 1.0);
  }
  throw Error("unknown prediction target");
}

}  // namespace diffuse
