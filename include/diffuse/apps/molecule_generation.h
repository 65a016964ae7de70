#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "diffuse/denoiser.h"
#include "diffuse/molecules/molecule.h"
#include "diffuse/molecules/molecule_tensor.h"
#include "diffuse/run_config.h"
#include "diffuse/sampling/sampler.h"

namespace diffuse {

// Generating 3-D molecules with a trained EDM-style run (an egnn model):
// each molecule's atom count is drawn from the training data's histogram
// (EDM's DistributionNodes) or fixed, then the reverse process runs on the
// zero centre-of-mass subspace with those atoms, and the samples are
// decoded into atoms and positions.

// True when the run's model is a molecule model (egnn).
bool is_molecule_model(const RunConfig& config);

// The run's tensor layout of molecules; Error for other models.
MoleculeEncoding molecule_encoding(const RunConfig& config);

// `count` atom counts drawn from `histogram` (index = atom count), the i-th
// from the keyed stream of (seed, first + i): the same molecule sizes
// whatever the batch size. With min_atoms, counts below it are left out
// (the histogram conditioned on at least that many atoms).
std::vector<int64_t> draw_atom_counts(std::vector<int64_t> histogram, int64_t count, std::uint64_t seed,
                                      int64_t first = 0, int64_t min_atoms = 0);

struct MoleculeGenerationOptions {
  int64_t num_molecules = 100;
  int64_t atoms = 0;  // > 0: every molecule has this many atoms; 0: drawn from the histogram
  // Atoms every molecule keeps (scaffold completion, fixed_atoms.h): they
  // come first in each molecule, at their given positions; empty: none.
  // Drawn atom counts are then those of the histogram above its size.
  Molecule fixed;
  int64_t batch_size = 100;
  std::uint64_t seed = 0;
  std::function<void(int64_t, int64_t)> on_step;  // (network evaluations done, total)
};

// Molecules from `denoiser` (an egnn run's) driven by `sampler` (timesteps
// set), named "sample 1", "sample 2", ...
std::vector<Molecule> generate_molecules(const Denoiser& denoiser, Sampler& sampler, const RunConfig& config,
                                         const MoleculeGenerationOptions& options);

}  // namespace diffuse
