#pragma once

#include <array>
#include <cstdint>

#include <torch/types.h>

#include "diffuse/molecules/molecule.h"
#include "diffuse/molecules/molecule_tensor.h"
#include "diffuse/noise.h"
#include "diffuse/sampling/known_region.h"
#include "diffuse/schedule.h"

namespace diffuse {

// Scaffold completion: a sampling hook (sample_loop.h) that holds the first
// atoms of every molecule at given types and relative positions while the
// reverse process generates the rest. After each step the given atoms are
// imposed noised to the state's level (RePaint eqs. 8-9, KnownRegion), then
// translated so that their centre matches the centre of the same atoms in
// the generated state (as DiffSBDD's inpainting does: the data lives on the
// zero centre-of-mass subspace, where the given atoms have no fixed place),
// then the whole molecule is centred again. At the end the given atoms are
// exact up to that translation, which place() undoes.
class FixedAtoms {
 public:
  // fixed: the atoms to keep (types among encoding.atom_types, at most
  // max_atoms - 1 of them); mask: [N, max_atoms] the real atoms of the job's
  // N molecules, each with more atoms than `fixed`.
  FixedAtoms(NoiseSchedule schedule, const MoleculeEncoding& encoding, const Molecule& fixed, torch::Tensor mask);

  torch::Tensor operator()(size_t index, int64_t timestep, const torch::Tensor& x, SampleNoise& noise) const;

  // A generated molecule moved rigidly so that its first atoms sit exactly
  // where the given ones do.
  Molecule place(const Molecule& generated) const;

  int64_t num_fixed() const { return num_fixed_; }

 private:
  KnownRegion region_;
  torch::Tensor fixed_rows_;  // [1, max_atoms, 1]: 1 for the given atoms
  torch::Tensor mask_;        // [N, max_atoms]
  std::array<double, 3> centre_{};  // of the given atoms, in the user's frame
  int64_t num_fixed_ = 0;
};

}  // namespace diffuse
