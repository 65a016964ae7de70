#pragma once

#include <cstdint>

#include <torch/types.h>

#include "diffuse/noise.h"
#include "diffuse/schedule.h"

namespace diffuse {

// A sampling hook (sample_loop.h) that holds part of every sample to known
// values: after each step, the known elements are replaced by the known
// values noised to the level of the new state by the forward process,
// sqrt(alpha_bar) y + sqrt(1 - alpha_bar) z (RePaint eq. 8), and joined to
// the generated ones by the mask (RePaint eq. 9); at the end they are y
// exactly. The same constraint serves inpainting, a planner's start and
// goal and atoms held fixed.
class KnownRegion {
 public:
  // values: [N, ...] the known data of samples 0..N-1 of the job (or one row
  // for all); known: broadcastable to it, 1 where kept, 0 where generated.
  KnownRegion(NoiseSchedule schedule, torch::Tensor values, torch::Tensor known);

  // The hook: x holds samples noise.first() .. noise.first() + noise.count() - 1.
  torch::Tensor operator()(size_t index, int64_t timestep, const torch::Tensor& x, SampleNoise& noise) const;

  // x with the known part imposed at `timestep` (-1: clean).
  torch::Tensor impose(int64_t timestep, const torch::Tensor& x, SampleNoise& noise) const;

 private:
  NoiseSchedule schedule_;
  torch::Tensor values_;
  torch::Tensor known_;
};

}  // namespace diffuse
