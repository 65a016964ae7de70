#include "diffuse/molecules/molecule_grid.h"

#include <cmath>

#include <gtest/gtest.h>

#include "diffuse/molecules/bond_orders.h"
#include "diffuse/molecules/rdkit_chemistry.h"
#include "diffuse/util/error.h"
#include "hand_made_molecules.h"

namespace diffuse {
namespace {

// Benzene tilted out of the xy plane: its x and y alone are no regular
// hexagon, RDKit's depiction is (all six ring bonds 1.5 long).
TEST(Depiction, RdkitLaysOutARegularRing) {
  Molecule tilted = without_hydrogens(testing::benzene(1.34, 1.47));
  for (auto& p : tilted.positions) {
    const double y = p[1], z = p[2];
    p[1] = 0.5 * y - 0.866 * z;
    p[2] = 0.866 * y + 0.5 * z;
  }
  const std::vector<int> orders = bond_order_matrix(tilted);
  const auto xy = depiction_coordinates(tilted, orders);
  ASSERT_EQ(xy.size(), 6u);
  int ring_bonds = 0;
  for (size_t i = 0; i < 6; ++i) {
    for (size_t j = i + 1; j < 6; ++j) {
      if (orders[i * 6 + j] == 0) continue;
      ++ring_bonds;
      EXPECT_NEAR(std::hypot(xy[i][0] - xy[j][0], xy[i][1] - xy[j][1]), 1.5, 0.01);
    }
  }
  EXPECT_EQ(ring_bonds, 6);
}

int count_pixels(const Canvas& canvas, int x0, int x1, Rgb colour) {
  int count = 0;
  for (int y = 0; y < canvas.height(); ++y) {
    for (int x = x0; x < x1; ++x) count += canvas.pixel(x, y) == colour;
  }
  return count;
}

// Ethanol's O is labelled in red; an over-bonded carbon is captioned
// "invalid" in red; the grid has one cell per molecule.
TEST(MoleculeGrid, DrawsLabelsAndMarksInvalidMolecules) {
  const std::vector<Molecule> molecules{testing::ethanol(), testing::overbonded_carbon()};
  MoleculeGridOptions options;
  options.cell = 150;
  const Canvas canvas = draw_molecule_grid(molecules, options);
  EXPECT_EQ(canvas.width(), 300);
  EXPECT_EQ(canvas.height(), 150);
  const Rgb oxygen{220, 20, 20}, invalid{200, 30, 30};
  EXPECT_GT(count_pixels(canvas, 0, 150, oxygen), 20);
  EXPECT_EQ(count_pixels(canvas, 0, 150, invalid), 0);
  EXPECT_GT(count_pixels(canvas, 150, 300, invalid), 20);
  EXPECT_EQ(count_pixels(canvas, 150, 300, oxygen), 0);
  options.columns = 1;
  EXPECT_EQ(draw_molecule_grid(molecules, options).height(), 300);
}

TEST(MoleculeGrid, RefusesNothingAndTooMuch) {
  EXPECT_THROW(draw_molecule_grid({}), Error);
  EXPECT_THROW(draw_molecule_grid(std::vector<Molecule>(kMaxGridMolecules + 1, testing::water())), Error);
}

}  // namespace
}  // namespace diffuse
