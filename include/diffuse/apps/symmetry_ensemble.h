#pragma once

#include <cstdint>
#include <memory>

#include <torch/types.h>

#include "diffuse/denoiser.h"

namespace diffuse {

// The k-th of the 8 symmetries of the square on images [..., H, W]: mirrored
// left to right when k >= 4, then turned by (k mod 4) quarter turns; and its
// inverse. k in [0, 8).
torch::Tensor apply_symmetry(const torch::Tensor& image, int64_t k);
torch::Tensor undo_symmetry(const torch::Tensor& image, int64_t k);

// Geometric self-ensemble (Timofte et al. 2016, "Seven ways to improve
// example-based single image super resolution"; EDSR+, Lim et al. 2017): the
// predictions for the 8 rotations and mirror images of an image, turned back
// and averaged. A model trained on all 8 orientations (the photo-grey
// preset's crops) should answer them alike; averaging removes what it learned
// unevenly, for 8 times the evaluations (made one after another, so memory
// does not grow). eps and x0 are averaged alike, so they stay consistent and
// every sampler and restoration runs on it unchanged.
class SymmetryEnsembleDenoiser : public Denoiser {
 public:
  explicit SymmetryEnsembleDenoiser(std::shared_ptr<const Denoiser> inner);

  using Denoiser::predict;
  EpsilonAndX0 predict(const torch::Tensor& x_t, const torch::Tensor& t, const Conditioning& conditioning) const override;

 private:
  std::shared_ptr<const Denoiser> inner_;
};

}  // namespace diffuse
