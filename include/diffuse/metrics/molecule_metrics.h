#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "diffuse/molecules/molecule.h"

namespace diffuse {

// The scores of a set of generated molecules under EDM's protocol
// (Hoogeboom et al. 2022; docs/molecules.md): bonds from distances
// (bond_orders.h), validity and SMILES from RDKit (rdkit_chemistry.h).
struct MoleculeMetrics {
  int64_t num_molecules = 0;
  int64_t num_atoms = 0;
  int64_t stable_atoms = 0, stable_molecules = 0, connected_molecules = 0;
  int64_t valid = 0, unique = 0, novel = 0;
  bool has_reference = false;  // novelty needs the training molecules

  double atom_stability() const;      // stable atoms / atoms
  double molecule_stability() const;  // molecules whose every atom is stable / molecules
  double validity() const;            // molecules RDKit sanitises / molecules
  double uniqueness() const;          // distinct largest-fragment SMILES / valid molecules
  double novelty() const;             // unique SMILES not among the reference's / unique (0 without one)
  double connected() const;           // molecules whose bond graph is one fragment / molecules

  // The keys atom_stability, molecule_stability, validity, uniqueness,
  // novelty, connected (fractions in [0, 1]) and the counts behind them.
  nlohmann::json to_json() const;
};

// Scores `molecules`; novelty is counted against `reference_smiles` (null:
// no novelty). `progress_label` non-empty shows a progress bar on stderr.
// Throws Error naming the molecule when an element is outside the tables.
MoleculeMetrics evaluate_molecules(const std::vector<Molecule>& molecules,
                                   const std::unordered_set<std::string>* reference_smiles,
                                   const std::string& progress_label = "");

// The canonical SMILES of the valid molecules among `molecules`, built as
// generated ones are (EDM's compute_qm9_smiles: the whole molecule, not its
// largest fragment): the reference novelty is measured against.
std::unordered_set<std::string> reference_smiles(const std::vector<Molecule>& molecules,
                                                 const std::string& progress_label = "");

}  // namespace diffuse
