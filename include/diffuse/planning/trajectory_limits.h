#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace diffuse {

// Diffuser's LimitsNormalizer: each column of the data mapped from its
// [minimum, maximum] over the dataset to [-1, 1]. A trained planner keeps
// its limits in config.json (data.trajectory_limits), so that starts and
// goals are normalised and plans read back exactly as in training.
struct TrajectoryLimits {
  std::vector<double> minimum, maximum;  // per column

  bool empty() const { return minimum.empty(); }
  // Error unless both list `columns` finite values with minimum < maximum.
  void check_valid(int64_t columns) const;
  // x [..., columns] -> [-1, 1]; `first_column` places x's columns in the table.
  torch::Tensor normalize(const torch::Tensor& x, int64_t first_column = 0) const;
  // [-1, 1] -> the data's units, clipped to [-1, 1] first (as Diffuser does).
  torch::Tensor unnormalize(const torch::Tensor& x, int64_t first_column = 0) const;
};

}  // namespace diffuse
