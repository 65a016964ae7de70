#include "diffuse/planning/subgoal_path.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

torch::Tensor subgoal_path(const torch::Tensor& subgoals, int64_t stride, double step_seconds) {
  check(subgoals.dim() == 2 && subgoals.size(0) >= 1 && subgoals.size(1) == 4 &&
            subgoals.scalar_type() == torch::kFloat64,
        "subgoal path: expected float64 subgoals [n, 4] (x, y, vx, vy)");
  check(stride >= 1, "subgoal path: the stride must be at least 1 step");
  check(step_seconds > 0.0, "subgoal path: a step must last more than 0 seconds");
  const int64_t n = subgoals.size(0);
  torch::Tensor path = torch::empty({(n - 1) * stride + 1, 4}, torch::kFloat64);
  const auto in = subgoals.accessor<double, 2>();
  auto out = path.accessor<double, 2>();
  const double duration = static_cast<double>(stride) * step_seconds;  // seconds between two subgoals
  for (int64_t k = 0; k + 1 < n; ++k) {
    for (int64_t j = 0; j < stride; ++j) {
      const double s = static_cast<double>(j) / static_cast<double>(stride);
      // The Hermite basis on [0, 1] and its derivatives in s.
      const double h00 = 2 * s * s * s - 3 * s * s + 1, h10 = s * s * s - 2 * s * s + s;
      const double h01 = -2 * s * s * s + 3 * s * s, h11 = s * s * s - s * s;
      const double d00 = 6 * s * s - 6 * s, d10 = 3 * s * s - 4 * s + 1;
      const double d01 = -6 * s * s + 6 * s, d11 = 3 * s * s - 2 * s;
      const int64_t row = k * stride + j;
      for (int64_t i = 0; i < 2; ++i) {
        const double p0 = in[k][i], p1 = in[k + 1][i];
        const double m0 = duration * in[k][2 + i], m1 = duration * in[k + 1][2 + i];  // d position / d s
        out[row][i] = h00 * p0 + h10 * m0 + h01 * p1 + h11 * m1;
        out[row][2 + i] = (d00 * p0 + d10 * m0 + d01 * p1 + d11 * m1) / duration;
      }
    }
  }
  for (int64_t i = 0; i < 4; ++i) out[(n - 1) * stride][i] = in[n - 1][i];
  return path;
}

}  // namespace diffuse
