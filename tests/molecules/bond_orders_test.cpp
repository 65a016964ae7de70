#include "diffuse/molecules/bond_orders.h"

#include <gtest/gtest.h>

#include "diffuse/util/error.h"
#include "molecules/hand_made_molecules.h"

namespace diffuse {
namespace {

// EDM's thresholds: single below length1 + 10 pm, double below length2 + 5,
// triple below length3 + 3, for C-C 154 / 134 / 120 pm.
TEST(BondOrders, CarbonCarbonThresholdsAreEdmsTables) {
  EXPECT_EQ(bond_order(6, 6, 1.6401), 0);
  EXPECT_EQ(bond_order(6, 6, 1.6399), 1);
  EXPECT_EQ(bond_order(6, 6, 1.3901), 1);
  EXPECT_EQ(bond_order(6, 6, 1.3899), 2);
  EXPECT_EQ(bond_order(6, 6, 1.2301), 2);
  EXPECT_EQ(bond_order(6, 6, 1.2299), 3);
  EXPECT_EQ(bond_order(6, 6, 0.5), 3);
}

TEST(BondOrders, PairsWithoutMultipleBondsStaySingle) {
  // H and F have no double-bond length: any short contact is single.
  EXPECT_EQ(bond_order(1, 6, 0.5), 1);
  EXPECT_EQ(bond_order(9, 6, 1.0), 1);
  EXPECT_EQ(bond_order(1, 1, 0.83), 1);   // H-H 74 + 10 pm
  EXPECT_EQ(bond_order(1, 1, 0.85), 0);
  // N-O has a double (121) but no triple length: double at any short distance.
  EXPECT_EQ(bond_order(7, 8, 1.0), 2);
  // Symmetric.
  EXPECT_EQ(bond_order(6, 7, 1.18), bond_order(7, 6, 1.18));
  EXPECT_EQ(bond_order(6, 7, 1.18), 3);   // C#N 116 + 3 pm
}

TEST(BondOrders, RefusesElementsOutsideTheTables) {
  EXPECT_THROW(bond_order(16, 6, 1.5), Error);
  Molecule molecule = testing::water();
  molecule.atomic_numbers[0] = 16;
  try {
    bond_order_matrix(molecule);
    FAIL() << "sulphur was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("atom 1 is S"), std::string::npos) << error.what();
  }
}

TEST(BondOrders, WaterAndHydrogenCyanideAreStable) {
  const Molecule water = testing::water();
  const std::vector<int> w = bond_order_matrix(water);
  EXPECT_EQ(w, (std::vector<int>{0, 1, 1, 1, 0, 0, 1, 0, 0}));  // H...H at 1.51 A is no bond
  EXPECT_TRUE(check_valences(water, w).molecule_stable());

  const Molecule hcn = testing::hydrogen_cyanide();
  const std::vector<int> h = bond_order_matrix(hcn);
  EXPECT_EQ(h[0 * 3 + 1], 1);
  EXPECT_EQ(h[1 * 3 + 2], 3);
  EXPECT_EQ(h[0 * 3 + 2], 0);
  EXPECT_TRUE(check_valences(hcn, h).molecule_stable());
}

TEST(BondOrders, EthanolHasEightSingleBondsAndStableAtoms) {
  const Molecule ethanol = testing::ethanol();
  const std::vector<int> orders = bond_order_matrix(ethanol);
  int bonds = 0;
  for (int order : orders) {
    EXPECT_LE(order, 1);
    bonds += order;
  }
  EXPECT_EQ(bonds / 2, 8);  // C-C, C-O, O-H and five C-H
  const ValenceCheck valences = check_valences(ethanol, orders);
  EXPECT_EQ(valences.stable_atoms, 9);
  EXPECT_EQ(count_fragments(ethanol.num_atoms(), orders), 1);
}

TEST(BondOrders, BenzeneIsStableOnlyWhenItsBondsAlternate) {
  // Kekule benzene: double bonds at 1.33 A, single at 1.48 A: every carbon
  // has valence 4.
  const Molecule kekule = testing::benzene(1.33, 1.48);
  EXPECT_TRUE(check_valences(kekule, bond_order_matrix(kekule)).molecule_stable());
  // Real benzene's equal 1.39 A bonds fall just above the double threshold
  // (134 + 5 pm): the protocol reads six single bonds, so each carbon has
  // valence 3 and only the six hydrogens are stable. A known property of
  // distance-based bond orders on aromatic rings.
  const Molecule aromatic = testing::benzene(1.395, 1.395);
  const ValenceCheck valences = check_valences(aromatic, bond_order_matrix(aromatic));
  EXPECT_EQ(valences.stable_atoms, 6);
  EXPECT_FALSE(valences.molecule_stable());
}

TEST(BondOrders, FragmentsCountTheBondGraphsComponents) {
  Molecule two_waters = testing::water();
  for (const auto& p : testing::water().positions) two_waters.positions.push_back({p[0] + 5.0, p[1], p[2]});
  for (int z : testing::water().atomic_numbers) two_waters.atomic_numbers.push_back(z);
  EXPECT_EQ(count_fragments(two_waters.num_atoms(), bond_order_matrix(two_waters)), 2);
  EXPECT_EQ(count_fragments(3, std::vector<int>(9, 0)), 3);
}

}  // namespace
}  // namespace diffuse
