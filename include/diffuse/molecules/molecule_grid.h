#pragma once

#include <vector>

#include "diffuse/io/canvas.h"
#include "diffuse/molecules/molecule.h"

namespace diffuse {

// Molecules as chemists draw them, one cell each: the protocol's bonds
// (bond_orders.h) laid out by RDKit's 2-D depiction, drawn as one, two or
// three lines; heteroatoms by symbol in their usual (CPK) colour, carbons as
// bare vertices. Under each, its canonical SMILES (or the formula when the
// SMILES does not fit); in red with "invalid" when RDKit refuses it.
constexpr int kMaxGridMolecules = 400;  // a 20 x 20 grid of 170-pixel cells is 3,400 pixels wide

struct MoleculeGridOptions {
  int columns = 0;  // 0: about square
  int cell = 170;   // pixels per cell side (the drawing and its caption)
};
Canvas draw_molecule_grid(const std::vector<Molecule>& molecules, const MoleculeGridOptions& options = {});

}  // namespace diffuse
