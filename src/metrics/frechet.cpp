#include "diffuse/metrics/frechet.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

GaussianStats gaussian_stats(const torch::Tensor& features) {
  check(features.dim() == 2 && features.size(0) >= 2, "Gaussian statistics: need at least two feature vectors [N, D]");
  const torch::Tensor x = features.to(torch::kFloat64);
  const torch::Tensor mean = x.mean(0);
  const torch::Tensor centred = x - mean;
  return {mean, centred.t().mm(centred) / static_cast<double>(x.size(0) - 1)};
}

torch::Tensor sqrtm_psd(const torch::Tensor& a) {
  check(a.dim() == 2 && a.size(0) == a.size(1), "matrix square root: needs a square matrix");
  const torch::Tensor symmetric = 0.5 * (a.to(torch::kFloat64) + a.to(torch::kFloat64).t());
  const auto [eigenvalues, eigenvectors] = at::linalg_eigh(symmetric, "L");
  return eigenvectors.mm(torch::diag(eigenvalues.clamp_min(0.0).sqrt())).mm(eigenvectors.t());
}

double trace_sqrt_product(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor root = sqrtm_psd(a);
  const torch::Tensor inner = root.mm(b.to(torch::kFloat64)).mm(root);
  const torch::Tensor eigenvalues = at::linalg_eigvalsh(0.5 * (inner + inner.t()), "L");
  return eigenvalues.clamp_min(0.0).sqrt().sum().item<double>();
}

double frechet_distance(const GaussianStats& a, const GaussianStats& b) {
  check(a.mean.numel() == b.mean.numel(), "Frechet distance: the two feature sets have different dimensions");
  const double mean_term = (a.mean - b.mean).pow(2).sum().item<double>();
  const double trace_term = (a.covariance.trace() + b.covariance.trace()).item<double>() -
                            2.0 * trace_sqrt_product(a.covariance, b.covariance);
  return mean_term + trace_term;
}

}  // namespace diffuse
