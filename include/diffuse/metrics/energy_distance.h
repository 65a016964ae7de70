#pragma once

#include <torch/types.h>

namespace diffuse {

// Energy distance (Szekely & Rizzo 2013) between point sets x [N, D] and
// y [M, D], in float64: 2 E|X - Y| - E|X - X'| - E|Y - Y'|. The population
// value is zero iff the two distributions agree. The within-set means run over
// distinct pairs (U-statistics), so the estimate is unbiased and, for two
// samples of one distribution, scatters around zero (it can be slightly negative).
double energy_distance(const torch::Tensor& x, const torch::Tensor& y);

}  // namespace diffuse
