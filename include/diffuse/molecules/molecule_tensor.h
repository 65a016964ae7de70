#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "diffuse/conditioning.h"
#include "diffuse/molecules/molecule.h"

namespace diffuse {

// How molecules become the tensors a diffusion model sees, and back (EDM,
// Hoogeboom et al. 2022, section 3 and its QM9 configuration): per atom the
// position (Angstrom / 1), the one-hot atom type / 4 and the atomic number
// / 10, padded to max_atoms rows; the mask marks the real atoms.
struct MoleculeEncoding {
  std::vector<int64_t> atom_types;  // atomic number of each one-hot column, e.g. {1, 6, 7, 8, 9}
  int64_t max_atoms = 0;

  static constexpr double kOneHotScale = 4.0;
  static constexpr double kAtomicNumberScale = 10.0;

  int64_t num_atom_types() const { return static_cast<int64_t>(atom_types.size()); }
  int64_t feature_dim() const { return 3 + num_atom_types() + 1; }

  // x0 [B, max_atoms, feature_dim()] float32 and mask [B, max_atoms]. The
  // positions are taken as they are (centre them first). Throws Error naming
  // the molecule for an atom type outside atom_types or too many atoms.
  Batch encode(const std::vector<Molecule>& molecules) const;

  // Molecules from samples x [B, max_atoms, feature_dim()] and their mask
  // [B, max_atoms]: each real atom's type is the largest one-hot entry
  // (EDM's argmax); the atomic-number feature is not used.
  std::vector<Molecule> decode(const torch::Tensor& x, const torch::Tensor& mask) const;

  // The mask of molecules with the given atom counts [B] (1 for the first
  // count rows of each, 0 after).
  torch::Tensor mask_for_counts(const std::vector<int64_t>& counts) const;
};

}  // namespace diffuse
