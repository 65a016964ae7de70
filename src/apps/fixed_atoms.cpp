#include "diffuse/apps/fixed_atoms.h"

#include <torch/torch.h>

#include "diffuse/models/egnn.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

std::array<double, 3> centre_of(const Molecule& molecule, int64_t atoms) {
  std::array<double, 3> centre{};
  for (int64_t i = 0; i < atoms; ++i) {
    for (size_t k = 0; k < 3; ++k) centre[k] += molecule.positions[static_cast<size_t>(i)][k];
  }
  for (double& c : centre) c /= static_cast<double>(atoms);
  return centre;
}

// The given atoms, centred on their own centre and encoded as row 0 of a
// [1, max_atoms, features] tensor (the rows after them zero).
torch::Tensor encode_fixed(const MoleculeEncoding& encoding, const Molecule& fixed) {
  Molecule own_frame = fixed;
  const std::array<double, 3> centre = centre_of(fixed, fixed.num_atoms());
  for (auto& p : own_frame.positions) {
    for (size_t k = 0; k < 3; ++k) p[k] -= centre[k];
  }
  return encoding.encode({own_frame}).x0;
}

torch::Tensor fixed_rows(const MoleculeEncoding& encoding, int64_t count) {
  torch::Tensor rows = torch::zeros({1, encoding.max_atoms, 1});
  rows.slice(1, 0, count).fill_(1.0);
  return rows;
}

}  // namespace

FixedAtoms::FixedAtoms(NoiseSchedule schedule, const MoleculeEncoding& encoding, const Molecule& fixed,
                       torch::Tensor mask)
    : region_(std::move(schedule), encode_fixed(encoding, fixed), fixed_rows(encoding, fixed.num_atoms())),
      fixed_rows_(fixed_rows(encoding, fixed.num_atoms())),
      mask_(std::move(mask)),
      centre_(centre_of(fixed, fixed.num_atoms())),
      num_fixed_(fixed.num_atoms()) {
  check(num_fixed_ >= 1 && num_fixed_ < encoding.max_atoms,
        "fixed atoms: give 1 to " + std::to_string(encoding.max_atoms - 1) + " atoms (the model makes molecules of up to " +
            std::to_string(encoding.max_atoms) + "), not " + std::to_string(num_fixed_));
  check(mask_.dim() == 2 && mask_.size(1) == encoding.max_atoms, "fixed atoms: the mask must be [N, max_atoms]");
  const torch::Tensor counts = mask_.sum(1);
  check(counts.gt(static_cast<double>(num_fixed_)).all().item<bool>(),
        "fixed atoms: every molecule needs more atoms than the " + std::to_string(num_fixed_) + " fixed ones");
}

torch::Tensor FixedAtoms::operator()(size_t, int64_t timestep, const torch::Tensor& x, SampleNoise& noise) const {
  const torch::Tensor imposed = region_.impose(timestep, x, noise);
  const torch::Tensor rows = fixed_rows_.to(x.device(), x.scalar_type());
  const torch::Tensor mask = mask_.slice(0, noise.first(), noise.first() + noise.count()).to(x.device(), x.scalar_type());
  const torch::Tensor generated = x.slice(-1, 0, 3);
  torch::Tensor positions = imposed.slice(-1, 0, 3);
  // The given atoms, moved onto the centre the state gives the same atoms.
  const torch::Tensor shift = ((generated - positions) * rows).sum(1, true) / static_cast<double>(num_fixed_);
  positions = remove_masked_mean(positions + rows * shift, mask);
  return torch::cat({positions, imposed.slice(-1, 3)}, -1);
}

Molecule FixedAtoms::place(const Molecule& generated) const {
  check(generated.num_atoms() > num_fixed_, "fixed atoms: the molecule has no atoms besides the fixed ones");
  const std::array<double, 3> centre = centre_of(generated, num_fixed_);
  Molecule placed = generated;
  for (auto& p : placed.positions) {
    for (size_t k = 0; k < 3; ++k) p[k] += centre_[k] - centre[k];
  }
  return placed;
}

}  // namespace diffuse
