#include "diffuse/metrics/kid.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

torch::Tensor cubic_kernel(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.mm(b.t()) / static_cast<double>(a.size(1)) + 1.0).pow(3);
}

// Binkowski et al. eq. (3): the within-set sums leave out the diagonal.
double unbiased_mmd2(const torch::Tensor& x, const torch::Tensor& y) {
  const auto m = static_cast<double>(x.size(0));
  const torch::Tensor kxx = cubic_kernel(x, x), kyy = cubic_kernel(y, y), kxy = cubic_kernel(x, y);
  const double within_x = (kxx.sum() - kxx.diagonal().sum()).item<double>() / (m * (m - 1));
  const double within_y = (kyy.sum() - kyy.diagonal().sum()).item<double>() / (m * (m - 1));
  return within_x + within_y - 2.0 * kxy.mean().item<double>();
}

}  // namespace

KidResult kernel_inception_distance(const torch::Tensor& x, const torch::Tensor& y, int64_t subsets,
                                    int64_t subset_size, uint64_t seed) {
  check(x.dim() == 2 && y.dim() == 2 && x.size(1) == y.size(1), "KID: needs two feature sets [N, D] of one dimension");
  check(subsets >= 1, "KID: needs at least one subset");
  const int64_t m = std::min({subset_size, x.size(0), y.size(0)});
  check(m >= 2, "KID: needs at least two vectors in each set");
  const torch::Tensor a = x.to(torch::kFloat64), b = y.to(torch::kFloat64);
  torch::Generator generator = at::detail::createCPUGenerator(seed);
  std::vector<double> estimates;
  for (int64_t s = 0; s < subsets; ++s) {
    const torch::Tensor ia = torch::randperm(a.size(0), generator, torch::kLong).slice(0, 0, m);
    const torch::Tensor ib = torch::randperm(b.size(0), generator, torch::kLong).slice(0, 0, m);
    estimates.push_back(unbiased_mmd2(a.index_select(0, ia), b.index_select(0, ib)));
  }
  KidResult result;
  result.subsets = subsets;
  result.subset_size = m;
  for (double e : estimates) result.mean += e / static_cast<double>(subsets);
  if (subsets > 1) {
    double variance = 0.0;
    for (double e : estimates) variance += (e - result.mean) * (e - result.mean) / static_cast<double>(subsets - 1);
    result.standard_error = std::sqrt(variance / static_cast<double>(subsets));
  }
  return result;
}

}  // namespace diffuse
