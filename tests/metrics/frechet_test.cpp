#include "diffuse/metrics/frechet.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace diffuse {
namespace {

torch::Tensor random_psd(int64_t d, uint64_t seed) {
  torch::manual_seed(seed);
  const torch::Tensor b = torch::randn({d, d}, torch::kFloat64);
  return b.mm(b.t()) / static_cast<double>(d);
}

TEST(Frechet, SquareRootOfAPsdMatrixSquaresBack) {
  const torch::Tensor a = random_psd(64, 1);
  const torch::Tensor root = sqrtm_psd(a);
  EXPECT_LT((root.mm(root) - a).abs().max().item<double>(), 1e-10);
  EXPECT_LT((root - root.t()).abs().max().item<double>(), 1e-12);
  // A rank-deficient PSD matrix, whose zero eigenvalues round to tiny negatives.
  const torch::Tensor v = torch::randn({64, 5}, torch::kFloat64);
  const torch::Tensor low_rank = v.mm(v.t());
  const torch::Tensor low_root = sqrtm_psd(low_rank);
  EXPECT_FALSE(torch::isnan(low_root).any().item<bool>());
  EXPECT_LT((low_root.mm(low_root) - low_rank).abs().max().item<double>(), 1e-8);
}

TEST(Frechet, TraceOfTheSquareRootAgreesWithAGeneralEigendecomposition) {
  // Reference: the eigenvalues of the non-symmetric product A B itself.
  const torch::Tensor a = random_psd(48, 2), b = random_psd(48, 3);
  const torch::Tensor eigenvalues = torch::real(torch::linalg::eigvals(a.mm(b)));
  const double reference = eigenvalues.clamp_min(0.0).sqrt().sum().item<double>();
  EXPECT_NEAR(trace_sqrt_product(a, b), reference, 1e-9 * reference);
}

TEST(Frechet, DistanceBetweenTwoGaussiansMatchesTheClosedForm) {
  // 2 x 2, non-commuting covariances: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) for M = A B.
  const torch::Tensor a = torch::tensor({{2.0, 0.5}, {0.5, 1.0}}, torch::kFloat64);
  const torch::Tensor b = torch::tensor({{1.0, -0.3}, {-0.3, 0.5}}, torch::kFloat64);
  const GaussianStats p{torch::tensor({0.0, 1.0}, torch::kFloat64), a};
  const GaussianStats q{torch::tensor({1.0, -1.0}, torch::kFloat64), b};
  const double det = torch::det(a).item<double>() * torch::det(b).item<double>();
  const double trace_root = std::sqrt(a.mm(b).trace().item<double>() + 2 * std::sqrt(det));
  const double expected = 1.0 + 4.0 + 3.0 + 1.5 - 2 * trace_root;
  EXPECT_NEAR(frechet_distance(p, q), expected, 1e-12);
  EXPECT_NEAR(frechet_distance(p, p), 0.0, 1e-12);
}

TEST(Frechet, SampleStatisticsRecoverThePopulationDistance) {
  // N(0, I) against N(0.5, diag(4)) in 8 dimensions: |mu|^2 + sum (1 - 2)^2 = 8 * 0.25 + 8.
  torch::manual_seed(4);
  const torch::Tensor x = torch::randn({20000, 8}, torch::kFloat64);
  const torch::Tensor y = 0.5 + 2.0 * torch::randn({20000, 8}, torch::kFloat64);
  EXPECT_NEAR(frechet_distance(gaussian_stats(x), gaussian_stats(y)), 10.0, 0.15);
  // A set against itself is zero up to rounding.
  EXPECT_NEAR(frechet_distance(gaussian_stats(x), gaussian_stats(x)), 0.0, 1e-9);
}

}  // namespace
}  // namespace diffuse
