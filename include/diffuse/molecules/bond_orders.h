#pragma once

#include <vector>

#include "diffuse/molecules/molecule.h"

namespace diffuse {

// EDM's evaluation protocol (Hoogeboom et al. 2022, qm9/bond_analyze.py):
// bonds are read from interatomic distances. A pair closer than its typical
// single-bond length + 10 pm is bonded; closer than the double-bond length
// + 5 pm, double; closer than the triple-bond length + 3 pm, triple. The
// lengths (pm) are EDM's tables; the margins were tuned by EDM's authors to
// maximise the stability of QM9 itself.

// True for the elements the tables cover: H, C, N, O, F.
bool has_bond_lengths(int atomic_number);

// Bond order 0 (none), 1, 2 or 3 of atoms `z1` and `z2` at `distance`
// Angstrom. Throws Error for an element outside the tables.
int bond_order(int z1, int z2, double distance);

// The symmetric matrix of bond orders, row-major num_atoms x num_atoms.
// Throws Error naming the molecule when an element is outside the tables.
std::vector<int> bond_order_matrix(const Molecule& molecule);

// The valence an atom must have to count as stable: H 1, C 4, N 3, O 2, F 1.
int allowed_valence(int atomic_number);

// Atom stability in EDM's sense: an atom is stable when the sum of its bond
// orders equals its allowed valence; a molecule when every atom is.
struct ValenceCheck {
  int stable_atoms = 0;
  int num_atoms = 0;
  bool molecule_stable() const { return stable_atoms == num_atoms; }
};
ValenceCheck check_valences(const Molecule& molecule, const std::vector<int>& bond_orders);

// The number of connected fragments of the bond graph (1: one molecule).
int count_fragments(int num_atoms, const std::vector<int>& bond_orders);

}  // namespace diffuse
