#include "diffuse/metrics/energy_distance.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// Mean distance over the n (n - 1) ordered pairs of distinct points.
double mean_distance_within(const torch::Tensor& points) {
  const auto n = static_cast<double>(points.size(0));
  return torch::cdist(points, points).sum().item<double>() / (n * (n - 1.0));
}

}  // namespace

double energy_distance(const torch::Tensor& x, const torch::Tensor& y) {
  check(x.dim() == 2 && y.dim() == 2 && x.size(1) == y.size(1),
        "energy distance: needs two point sets [N, D] and [M, D] of the same dimension");
  check(x.size(0) >= 2 && y.size(0) >= 2, "energy distance: needs at least two points in each set");
  const torch::Tensor a = x.to(torch::kFloat64).flatten(1), b = y.to(torch::kFloat64).flatten(1);
  return 2.0 * torch::cdist(a, b).mean().item<double>() - mean_distance_within(a) - mean_distance_within(b);
}

}  // namespace diffuse
