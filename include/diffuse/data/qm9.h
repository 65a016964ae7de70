#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "diffuse/data/dataset.h"
#include "diffuse/molecules/molecule.h"
#include "diffuse/molecules/molecule_tensor.h"

namespace diffuse {

// QM9 (Ramakrishnan et al. 2014): small organic molecules with their DFT
// geometry, as a multi-frame XYZ file qm9.xyz.gz (or qm9.xyz) in a folder.

// The file a "qm9[:DIR]" spec names: DIR/qm9.xyz.gz or DIR/qm9.xyz, DIR by
// default $DIFFUSE_DATA/qm9. Throws Error when neither exists.
std::string qm9_file(const std::string& spec);

// The fixed-seed split of the molecules into training, validation and test
// (indices into the file's order): a permutation seeded by `seed`, then
// Cormorant's rule that EDM uses: 10% test, at most 100,000 for training
// (80% of smaller sets), the rest validation.
struct Qm9Split {
  std::vector<int64_t> train, validation, test;
};
Qm9Split split_qm9(int64_t num_molecules, std::uint64_t seed = 0);

// The seed of the split every run and evaluation uses unless told otherwise.
constexpr std::uint64_t kQm9SplitSeed = 0;

// The molecules of one part ("train", "validation" or "test") of the file a
// spec names, centred, heavy atoms only when `no_hydrogens`.
std::vector<Molecule> read_qm9_split(const std::string& spec, const std::string& part, bool no_hydrogens,
                                     std::uint64_t seed = kQm9SplitSeed);

// How many molecules of each atom count (index = atom count) `molecules`
// hold: the distribution EDM samples a molecule's size from.
std::vector<int64_t> atom_count_histogram(const std::vector<Molecule>& molecules);

// The atom types of QM9 as EDM one-hot encodes them: H, C, N, O, F, or
// C, N, O, F for heavy atoms only. (This copy of QM9 has no fluorine; the
// column stays, so models match EDM's shape.)
std::vector<int64_t> qm9_atom_types(bool no_hydrogens);
// The largest molecule of QM9: 29 atoms, 9 heavy atoms.
int64_t qm9_max_atoms(bool no_hydrogens);

// QM9's training split as training data: each molecule centred and encoded
// (molecule_tensor.h), padded to qm9_max_atoms, with its mask.
class Qm9Dataset : public Dataset {
 public:
  Qm9Dataset(const std::string& spec, bool no_hydrogens, std::uint64_t split_seed = kQm9SplitSeed);
  // From molecules already read (tests, other molecule sets).
  Qm9Dataset(const std::vector<Molecule>& molecules, MoleculeEncoding encoding, std::string description);

  int64_t size() const override { return x0_.size(0); }
  std::vector<int64_t> sample_shape() const override { return {encoding_.max_atoms, encoding_.feature_dim()}; }
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  std::string describe() const override { return description_; }
  bool is_image() const override { return false; }

  const MoleculeEncoding& encoding() const { return encoding_; }
  // How many training molecules have each atom count (index = count).
  const std::vector<int64_t>& atom_count_histogram() const { return histogram_; }

 private:
  MoleculeEncoding encoding_;
  torch::Tensor x0_, mask_;
  std::vector<int64_t> histogram_;
  std::string description_;
};

}  // namespace diffuse
