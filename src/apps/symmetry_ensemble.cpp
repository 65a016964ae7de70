#include "diffuse/apps/symmetry_ensemble.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

void check_symmetry(const torch::Tensor& image, int64_t k) {
  check(k >= 0 && k < 8, "symmetry ensemble: the symmetry must be 0 to 7, got " + std::to_string(k));
  check(image.dim() >= 2, "symmetry ensemble: expected images [..., H, W]");
}

}  // namespace

torch::Tensor apply_symmetry(const torch::Tensor& image, int64_t k) {
  check_symmetry(image, k);
  const int64_t rows = image.dim() - 2, cols = image.dim() - 1;
  const torch::Tensor mirrored = k >= 4 ? image.flip({cols}) : image;
  return torch::rot90(mirrored, k % 4, {rows, cols});
}

torch::Tensor undo_symmetry(const torch::Tensor& image, int64_t k) {
  check_symmetry(image, k);
  const int64_t rows = image.dim() - 2, cols = image.dim() - 1;
  const torch::Tensor turned = torch::rot90(image, -(k % 4), {rows, cols});
  return k >= 4 ? turned.flip({cols}) : turned;
}

SymmetryEnsembleDenoiser::SymmetryEnsembleDenoiser(std::shared_ptr<const Denoiser> inner)
    : Denoiser(*inner), inner_(std::move(inner)) {
  check(network().sample_shape().size() == 3, "symmetry ensemble: the model does not make images");
}

EpsilonAndX0 SymmetryEnsembleDenoiser::predict(const torch::Tensor& x_t, const torch::Tensor& t,
                                               const Conditioning& conditioning) const {
  check(x_t.dim() == 4, "symmetry ensemble: expected images [N, C, H, W]");
  check(!conditioning.mask.defined(), "symmetry ensemble: images take no mask");
  torch::Tensor eps_sum, x0_sum;
  for (int64_t k = 0; k < 8; ++k) {
    const EpsilonAndX0 turned = inner_->predict(apply_symmetry(x_t, k).contiguous(), t, conditioning);
    const torch::Tensor eps = undo_symmetry(turned.eps, k), x0 = undo_symmetry(turned.x0, k);
    eps_sum = k == 0 ? eps.clone() : eps_sum.add_(eps);
    x0_sum = k == 0 ? x0.clone() : x0_sum.add_(x0);
  }
  return {eps_sum / 8.0, x0_sum / 8.0};
}

}  // namespace diffuse
