#pragma once

#include <memory>
#include <utility>

#include <torch/types.h>

#include "diffuse/denoiser.h"

namespace diffuse {

// A job's denoiser: any other denoiser, keeping the latest x0 it predicted,
// so that a job can show the reverse process as it goes.
class PreviewingDenoiser final : public Denoiser {
 public:
  explicit PreviewingDenoiser(std::shared_ptr<const Denoiser> inner) : Denoiser(*inner), inner_(std::move(inner)) {}
  using Denoiser::predict;
  EpsilonAndX0 predict(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) const override {
    EpsilonAndX0 out = inner_->predict(x_t, t, conditioning);
    latest_x0_ = out.x0;
    return out;
  }
  const torch::Tensor& latest_x0() const { return latest_x0_; }

 private:
  std::shared_ptr<const Denoiser> inner_;
  mutable torch::Tensor latest_x0_;
};

}  // namespace diffuse
