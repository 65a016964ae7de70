#pragma once

#include <torch/types.h>

namespace diffuse {

// Mean and covariance of a set of feature vectors [N, D], in float64.
struct GaussianStats {
  torch::Tensor mean;        // [D]
  torch::Tensor covariance;  // [D, D], unbiased (divides by N - 1)
};
GaussianStats gaussian_stats(const torch::Tensor& features);

// The square root of a symmetric positive semi-definite matrix, through its
// eigendecomposition A = Q diag(l) Q^T -> Q diag(sqrt(max(l, 0))) Q^T.
// Rounding can make tiny eigenvalues of a PSD matrix negative; they are
// clamped to zero rather than producing the complex parts a general sqrtm
// (scipy.linalg.sqrtm, as pytorch-fid uses it) then has to discard.
torch::Tensor sqrtm_psd(const torch::Tensor& a);

// tr sqrt(A B) for symmetric PSD A and B: A B is similar to the symmetric
// PSD matrix sqrt(A) B sqrt(A), whose eigenvalues are real and >= 0.
double trace_sqrt_product(const torch::Tensor& a, const torch::Tensor& b);

// Frechet distance between N(mu1, S1) and N(mu2, S2) (Heusel et al. 2017,
// "GANs trained by a two time-scale update rule", eq. 6):
// |mu1 - mu2|^2 + tr(S1 + S2 - 2 sqrt(S1 S2)). With Inception features this is FID.
double frechet_distance(const GaussianStats& a, const GaussianStats& b);

}  // namespace diffuse
