#include "diffuse/molecules/rdkit_chemistry.h"

#include <gtest/gtest.h>

#include "diffuse/molecules/bond_orders.h"
#include "diffuse/util/error.h"
#include "molecules/hand_made_molecules.h"

namespace diffuse {
namespace {

Chemistry chemistry_of(const Molecule& molecule) { return analyse_chemistry(molecule, bond_order_matrix(molecule)); }

TEST(RdkitChemistry, HandMadeMoleculesGiveTheirCanonicalSmiles) {
  EXPECT_EQ(chemistry_of(without_hydrogens(testing::ethanol())).smiles, "CCO");
  EXPECT_EQ(chemistry_of(without_hydrogens(testing::hydrogen_cyanide())).smiles, "C#N");
  EXPECT_EQ(chemistry_of(without_hydrogens(testing::water())).smiles, "O");
  // With explicit hydrogen atoms the SMILES names them, as EDM's does.
  const Chemistry water = chemistry_of(testing::water());
  EXPECT_TRUE(water.valid);
  EXPECT_EQ(water.smiles, "[H]O[H]");
  // Kekule benzene is perceived as aromatic by sanitisation.
  EXPECT_EQ(chemistry_of(without_hydrogens(testing::benzene(1.33, 1.48))).smiles, "c1ccccc1");
  // Six single ring bonds: RDKit fills the carbons with implicit hydrogens
  // (cyclohexane), valid although the protocol calls the atoms unstable.
  EXPECT_EQ(chemistry_of(without_hydrogens(testing::benzene(1.395, 1.395))).smiles, "C1CCCCC1");
}

TEST(RdkitChemistry, AnOverbondedCarbonIsInvalid) {
  const Chemistry chemistry = chemistry_of(testing::overbonded_carbon());
  EXPECT_FALSE(chemistry.valid);
  EXPECT_TRUE(chemistry.smiles.empty());
}

TEST(RdkitChemistry, TheLargestFragmentIsKept) {
  Molecule mixture = testing::ethanol();
  for (const auto& p : testing::water().positions) mixture.positions.push_back({p[0] + 6.0, p[1], p[2]});
  for (int z : testing::water().atomic_numbers) mixture.atomic_numbers.push_back(z);
  const Chemistry chemistry = chemistry_of(without_hydrogens(mixture));
  EXPECT_TRUE(chemistry.valid);
  EXPECT_EQ(chemistry.smiles, "CCO.O");
  EXPECT_EQ(chemistry.largest_fragment_smiles, "CCO");
}

TEST(RdkitChemistry, SdfRoundTripKeepsAtomsAndCoordinates) {
  const std::vector<Molecule> molecules{testing::ethanol(), testing::overbonded_carbon()};
  const std::string sdf = format_sdf(molecules);
  EXPECT_NE(sdf.find("V2000"), std::string::npos);
  const std::vector<Molecule> read = parse_sdf(sdf, "round trip");
  ASSERT_EQ(read.size(), 2u);
  for (size_t m = 0; m < read.size(); ++m) {
    EXPECT_EQ(read[m].name, molecules[m].name);
    EXPECT_EQ(read[m].atomic_numbers, molecules[m].atomic_numbers);
    for (size_t i = 0; i < read[m].positions.size(); ++i) {
      for (int k = 0; k < 3; ++k) EXPECT_NEAR(read[m].positions[i][k], molecules[m].positions[i][k], 1e-4);
    }
  }
  // The written bonds are the protocol's: ethanol's 8, the overbonded carbon's 5.
  EXPECT_NE(sdf.find("  9  8  0  0  0  0  0  0  0  0999 V2000"), std::string::npos) << sdf;
}

TEST(RdkitChemistry, BadSdfRecordsNameTheRecord) {
  const std::string good = format_sdf({testing::water()});
  auto error_of = [](const std::string& text) {
    try {
      parse_sdf(text, "bad.sdf");
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of(good + "garbage\nmore\n\n  9999  1  0  0  0  0  0  0  0  0999 V2000\n$$$$\n").find("bad.sdf: record 2"),
            std::string::npos);
  EXPECT_NE(error_of("").find("no molecules"), std::string::npos);
  // A broken last record without its '$$$$' is an error too, not a record dropped.
  const std::string truncated = good + "broken\n     RDKit          3D\n\n  2  0  0  0  0  0  0  0  0  0999 V2000\n"
                                       "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n";
  EXPECT_NE(error_of(truncated).find("bad.sdf: record 2"), std::string::npos) << error_of(truncated);
  // A 2-D depiction (z = 0, "2D" in the header) has no geometry to read bonds from.
  std::string flat = good;
  flat.replace(flat.find("3D"), 2, "2D");
  EXPECT_NE(error_of(flat).find("no 3-D coordinates"), std::string::npos) << flat;
}

TEST(RdkitChemistry, ReadMoleculesChoosesTheReaderByExtension) {
  EXPECT_THROW(read_molecules("molecules.pdb"), Error);
}

}  // namespace
}  // namespace diffuse
