#pragma once

#include <array>
#include <string>
#include <vector>

namespace diffuse {

// One molecule as a set of atoms in 3-D: what an XYZ record, an SDF record
// and a generated sample all reduce to. Bonds are not stored: the evaluation
// protocol (EDM, Hoogeboom et al. 2022) derives them from the geometry.
struct Molecule {
  std::string name;                             // the record's title ("dsgdb9nsd_000001"), may be empty
  std::vector<int> atomic_numbers;              // Z per atom
  std::vector<std::array<double, 3>> positions;  // Angstrom, one per atom

  int num_atoms() const { return static_cast<int>(atomic_numbers.size()); }
  int count_of(int atomic_number) const;
};

// The elements molecule files may name: H to Ar. QM9 uses H, C, N, O, F.
// Symbol of atomic number z ("C" for 6); throws Error outside the table.
const std::string& element_symbol(int z);
// Atomic number of a symbol, case as written in XYZ/SDF files ("C", "Cl");
// returns 0 when the symbol is not an element of the table.
int atomic_number_of(const std::string& symbol);

// The molecule without its hydrogen atoms (the heavy-atom setting of EDM).
Molecule without_hydrogens(const Molecule& molecule);

// The molecule translated so that the mean of its positions is zero (the
// zero centre-of-mass subspace on which EDM diffuses, with unit masses).
Molecule centred(const Molecule& molecule);

// "C6H6" style formula (Hill order: C, H, then the rest alphabetically).
std::string molecular_formula(const Molecule& molecule);

}  // namespace diffuse
