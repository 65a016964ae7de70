#pragma once

#include <cstdint>

#include <torch/types.h>

#include "diffuse/conditioning.h"
#include "diffuse/models/network.h"
#include "diffuse/precision.h"
#include "diffuse/prediction.h"
#include "diffuse/schedule.h"

namespace diffuse {

// A network together with its parameterisation: the one place that turns a
// raw network output into the (eps, x0) pair samplers work with, so every
// sampler drives every trained model (the "preconditioning" idea of Karras
// et al. 2022, EDM).
class Denoiser {
 public:
  // clip_x0: clamp the predicted x0 to [-1, 1] and recompute eps from it, as
  // Ho et al. do when sampling images (diffusion_tf p_mean_variance clip_denoised).
  // precision: what the network computes in; predictions are float32 either way.
  Denoiser(NetworkPtr network, NoiseSchedule schedule, Prediction prediction, bool clip_x0,
           Precision precision = Precision::kFloat32);
  virtual ~Denoiser() = default;
  Denoiser(const Denoiser&) = default;
  Denoiser& operator=(const Denoiser&) = default;

  // x_t: [N, ...]; t: [N] int64 timesteps of the schedule; conditioning
  // with N rows (or empty). Virtual so that wrappers (guidance.h,
  // apps/tiled_denoiser.h) can change what the network is asked; samplers
  // only ever call this.
  virtual EpsilonAndX0 predict(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) const;
  EpsilonAndX0 predict(const torch::Tensor& x_t, const torch::Tensor& t) const { return predict(x_t, t, Conditioning{}); }
  // The same with every sample at timestep t.
  EpsilonAndX0 predict(const torch::Tensor& x_t, int64_t t, const Conditioning& conditioning = {}) const;

  const NoiseSchedule& schedule() const { return schedule_; }
  NoiseNetwork& network() const { return *network_; }
  Prediction prediction() const { return prediction_; }
  bool clip_x0() const { return clip_x0_; }
  // The same denoiser with x0 clipping switched on or off.
  Denoiser with_clip_x0(bool clip_x0) const;
  Precision precision() const { return precision_; }

 private:
  NetworkPtr network_;
  NoiseSchedule schedule_;
  Prediction prediction_;
  bool clip_x0_;
  Precision precision_;
};

}  // namespace diffuse
