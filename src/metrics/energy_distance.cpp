#include "diffuse/metrics/energy_distance.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// Sum of |a_i - b_j| over all pairs, a block of rows at a time so that 10^5
// points need megabytes, not the 80 GB of the full distance matrix.
double sum_of_distances(const torch::Tensor& a, const torch::Tensor& b) {
  constexpr int64_t kRowsPerBlock = 1024;
  double sum = 0.0;
  for (int64_t start = 0; start < a.size(0); start += kRowsPerBlock) {
    sum += torch::cdist(a.slice(0, start, start + kRowsPerBlock), b).sum().item<double>();
  }
  return sum;
}

// Mean distance over the n (n - 1) ordered pairs of distinct points.
double mean_distance_within(const torch::Tensor& points) {
  const auto n = static_cast<double>(points.size(0));
  return sum_of_distances(points, points) / (n * (n - 1.0));
}

}  // namespace

double energy_distance(const torch::Tensor& x, const torch::Tensor& y) {
  check(x.dim() == 2 && y.dim() == 2 && x.size(1) == y.size(1),
        "energy distance: needs two point sets [N, D] and [M, D] of the same dimension");
  check(x.size(0) >= 2 && y.size(0) >= 2, "energy distance: needs at least two points in each set");
  const torch::Tensor a = x.to(torch::kFloat64).flatten(1), b = y.to(torch::kFloat64).flatten(1);
  const double between = sum_of_distances(a, b) / (static_cast<double>(a.size(0)) * static_cast<double>(b.size(0)));
  return 2.0 * between - mean_distance_within(a) - mean_distance_within(b);
}

}  // namespace diffuse
