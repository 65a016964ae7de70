#include "diffuse/metrics/precision_recall.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr int64_t kRowsPerBlock = 1024;  // distance blocks of 1024 x N, not N x N

// Distance from each point to its k-th nearest neighbour among the others.
torch::Tensor kth_neighbour_radius(const torch::Tensor& points, int64_t k) {
  std::vector<torch::Tensor> radii;
  for (int64_t start = 0; start < points.size(0); start += kRowsPerBlock) {
    const torch::Tensor d = torch::cdist(points.slice(0, start, start + kRowsPerBlock), points);
    // The k + 1 smallest include the point itself at distance 0.
    radii.push_back(std::get<0>(d.topk(k + 1, 1, /*largest=*/false, /*sorted=*/true)).select(1, k));
  }
  return torch::cat(radii);
}

// Share of `queries` within radius[j] of some manifold point j.
double share_inside(const torch::Tensor& queries, const torch::Tensor& manifold, const torch::Tensor& radius) {
  int64_t inside = 0;
  for (int64_t start = 0; start < queries.size(0); start += kRowsPerBlock) {
    const torch::Tensor d = torch::cdist(queries.slice(0, start, start + kRowsPerBlock), manifold);
    inside += (d <= radius.unsqueeze(0)).any(1).sum().item<int64_t>();
  }
  return static_cast<double>(inside) / static_cast<double>(queries.size(0));
}

}  // namespace

PrecisionRecall precision_recall(const torch::Tensor& real, const torch::Tensor& generated, int64_t k) {
  check(real.dim() == 2 && generated.dim() == 2 && real.size(1) == generated.size(1),
        "precision/recall: needs two feature sets [N, D] of one dimension");
  check(k >= 1 && real.size(0) > k && generated.size(0) > k,
        "precision/recall: each set needs more than k = " + std::to_string(k) + " vectors");
  const torch::Tensor r = real.to(torch::kFloat64), g = generated.to(torch::kFloat64);
  return {share_inside(g, r, kth_neighbour_radius(r, k)), share_inside(r, g, kth_neighbour_radius(g, k))};
}

}  // namespace diffuse
