#pragma once

#include "diffuse/molecules/molecule.h"

// Molecules built from textbook bond lengths and ideal angles, for tests
// that must know the right bonds without trusting the code under test.
namespace diffuse::testing {

Molecule water();                  // O-H 0.9572 A, 104.52 degrees
Molecule hydrogen_cyanide();       // linear; H-C 1.065 A, C#N 1.153 A
Molecule ethanol();                // staggered, tetrahedral; C-C 1.52, C-O 1.43, C-H 1.09, O-H 0.96 A
Molecule benzene(double cc_short, double cc_long);  // a hexagon-like ring whose C-C bonds alternate short/long; C-H 1.09 A
Molecule overbonded_carbon();      // a carbon with five hydrogens at 1.09 A: valence 5

}  // namespace diffuse::testing
