#pragma once

#include <array>
#include <string>
#include <vector>

#include "diffuse/molecules/molecule.h"

// The chemistry that needs RDKit (Debian's librdkit-dev): sanitisation,
// canonical SMILES and SDF files. Only src/molecules/rdkit_chemistry.cpp
// includes RDKit's headers.
namespace diffuse {

// What RDKit makes of a molecule built from the protocol's bonds
// (bond_orders.h), as EDM's qm9/rdkit_functions.py does: atoms without
// explicit hydrogens, the bonds as single/double/triple, then sanitisation.
struct Chemistry {
  bool valid = false;                   // RDKit sanitised the molecule
  std::string smiles;                   // canonical SMILES of the whole molecule, when valid
  std::string largest_fragment_smiles;  // canonical SMILES of its largest fragment, when valid
};
Chemistry analyse_chemistry(const Molecule& molecule, const std::vector<int>& bond_orders);

// 2-D coordinates of each atom for a drawing, in RDKit's units (bonds about
// 1.5 long): RDKit's depiction (RDDepictor::compute2DCoords) of the molecule
// built from the protocol's bonds, sanitised or not. Where RDKit cannot lay
// the molecule out, the atoms' x and y.
std::vector<std::array<double, 2>> depiction_coordinates(const Molecule& molecule, const std::vector<int>& bond_orders);

// An SDF (V2000 mol blocks, '$$$$' separated) of `molecules` with 3-D
// coordinates and the protocol's bonds, readable by any molecule viewer.
std::string format_sdf(const std::vector<Molecule>& molecules);
void write_sdf(const std::string& path, const std::vector<Molecule>& molecules);

// The atoms and 3-D coordinates of every record of an SDF (plain or gzipped);
// the file's own bonds are not kept, since the protocol derives bonds from
// the geometry. Throws Error naming the file and the record for a record
// RDKit cannot parse, one without 3-D coordinates, or non-finite coordinates.
std::vector<Molecule> parse_sdf(const std::string& text, const std::string& source);
std::vector<Molecule> read_sdf(const std::string& path);

// Molecules from an .sdf or .xyz file (either optionally .gz), chosen by the
// name's extension; throws Error for any other extension.
std::vector<Molecule> read_molecules(const std::string& path);

}  // namespace diffuse
