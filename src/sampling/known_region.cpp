#include "diffuse/sampling/known_region.h"

#include <cmath>

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

KnownRegion::KnownRegion(NoiseSchedule schedule, torch::Tensor values, torch::Tensor known)
    : schedule_(std::move(schedule)), values_(std::move(values)), known_(std::move(known)) {
  check(values_.defined() && known_.defined() && values_.dim() >= 1, "known region: needs values and a mask");
  check(known_.dim() == values_.dim(), "known region: the mask must have as many dimensions as the values");
  for (int64_t d = 0; d < values_.dim(); ++d) {
    check(known_.size(d) == 1 || known_.size(d) == values_.size(d),
          "known region: the mask's shape " + c10::str(known_.sizes()) + " does not fit the values' " +
              c10::str(values_.sizes()));
  }
  known_ = known_.to(values_.options());
  check(known_.ge(0).logical_and(known_.le(1)).all().item<bool>(), "known region: mask values must lie in [0, 1]");
}

torch::Tensor KnownRegion::operator()(size_t, int64_t timestep, const torch::Tensor& x, SampleNoise& noise) const {
  return impose(timestep, x, noise);
}

torch::Tensor KnownRegion::impose(int64_t timestep, const torch::Tensor& x, SampleNoise& noise) const {
  const int64_t first = noise.first(), count = noise.count();
  check(x.size(0) == count, "known region: the state has " + std::to_string(x.size(0)) + " samples, the noise " +
                                std::to_string(count));
  const auto rows = [&](const torch::Tensor& tensor) {
    if (tensor.size(0) == 1) return tensor;
    check(first + count <= tensor.size(0), "known region: no known values for sample " + std::to_string(first + count - 1));
    return tensor.slice(0, first, first + count);
  };
  const torch::Tensor y = rows(values_).to(x.device(), x.scalar_type());
  const torch::Tensor keep = rows(known_).to(x.device(), x.scalar_type());
  torch::Tensor known_part = y.expand_as(x);
  // Always draw, so the noise of later steps does not depend on where the chain ends.
  const torch::Tensor z = noise.normal_like(x);
  if (timestep >= 0) {  // RePaint eq. (8): the known data noised to the state's level
    const double alpha_bar = schedule_.alpha_bar(timestep);
    known_part = std::sqrt(alpha_bar) * known_part + std::sqrt(1.0 - alpha_bar) * z;
  }
  return keep * known_part + (1.0 - keep) * x;  // RePaint eq. (9)
}

}  // namespace diffuse
