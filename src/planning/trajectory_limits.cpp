// Apart from the dataset so that config.json's parser needs neither MuJoCo
// nor the Maze2D data.
#include "diffuse/planning/trajectory_limits.h"

#include <cmath>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

torch::Tensor limit_row(const std::vector<double>& values, int64_t first, int64_t columns, const torch::Tensor& like) {
  check(first >= 0 && first + columns <= static_cast<int64_t>(values.size()),
        "trajectory limits: columns " + std::to_string(first) + ".." + std::to_string(first + columns - 1) +
            " are not in the table of " + std::to_string(values.size()));
  return torch::tensor(std::vector<double>(values.begin() + first, values.begin() + first + columns), torch::kFloat64)
      .to(like.device(), like.scalar_type());
}

}  // namespace

void TrajectoryLimits::check_valid(int64_t columns) const {
  check(static_cast<int64_t>(minimum.size()) == columns && static_cast<int64_t>(maximum.size()) == columns,
        "trajectory limits: expected " + std::to_string(columns) + " minima and maxima, got " +
            std::to_string(minimum.size()) + " and " + std::to_string(maximum.size()));
  for (size_t i = 0; i < minimum.size(); ++i) {
    check(std::isfinite(minimum[i]) && std::isfinite(maximum[i]) && minimum[i] < maximum[i],
          "trajectory limits: column " + std::to_string(i) + " needs finite limits with minimum < maximum");
  }
}

torch::Tensor TrajectoryLimits::normalize(const torch::Tensor& x, int64_t first_column) const {
  const int64_t columns = x.size(-1);
  const torch::Tensor lo = limit_row(minimum, first_column, columns, x), hi = limit_row(maximum, first_column, columns, x);
  return (x - lo) / (hi - lo) * 2.0 - 1.0;  // LimitsNormalizer.normalize
}

torch::Tensor TrajectoryLimits::unnormalize(const torch::Tensor& x, int64_t first_column) const {
  const int64_t columns = x.size(-1);
  const torch::Tensor lo = limit_row(minimum, first_column, columns, x), hi = limit_row(maximum, first_column, columns, x);
  return (x.clamp(-1.0, 1.0) + 1.0) / 2.0 * (hi - lo) + lo;
}

}  // namespace diffuse
