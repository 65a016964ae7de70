#include "diffuse/molecules/xyz_file.h"

#include <gtest/gtest.h>

#include "diffuse/util/error.h"
#include "molecules/hand_made_molecules.h"

namespace diffuse {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_xyz(text, "mols.xyz");
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(XyzFile, ReadsMultiFrameFilesAndIgnoresExtraColumns) {
  const std::vector<Molecule> molecules =
      parse_xyz("3\nwater\nO 0 0 0\nH 0.7 0.5 0\nH -0.7 0.5 0 -0.3\n\n2\nhydrogen\nh 0 0 0\n1 0 0 0.74\n", "test");
  ASSERT_EQ(molecules.size(), 2u);
  EXPECT_EQ(molecules[0].name, "water");
  EXPECT_EQ(molecules[0].atomic_numbers, (std::vector<int>{8, 1, 1}));
  EXPECT_DOUBLE_EQ(molecules[0].positions[1][0], 0.7);
  EXPECT_EQ(molecules[1].atomic_numbers, (std::vector<int>{1, 1}));  // "h" and atomic number "1"
  EXPECT_DOUBLE_EQ(molecules[1].positions[1][2], 0.74);
}

TEST(XyzFile, RoundTripsThroughItsOwnFormat) {
  const std::vector<Molecule> original{testing::ethanol(), testing::hydrogen_cyanide()};
  const std::vector<Molecule> read = parse_xyz(format_xyz(original), "round trip");
  ASSERT_EQ(read.size(), 2u);
  for (size_t m = 0; m < read.size(); ++m) {
    EXPECT_EQ(read[m].name, original[m].name);
    EXPECT_EQ(read[m].atomic_numbers, original[m].atomic_numbers);
    for (size_t i = 0; i < read[m].positions.size(); ++i) {
      for (int k = 0; k < 3; ++k) EXPECT_NEAR(read[m].positions[i][k], original[m].positions[i][k], 5e-7);
    }
  }
}

TEST(XyzFile, MalformedRecordsNameTheFileTheRecordAndTheLine) {
  EXPECT_NE(error_of("2\nx\nO 0 0 0\n").find("mols.xyz: record 1"), std::string::npos);
  EXPECT_NE(error_of("2\nx\nO 0 0 0\n").find("ends after 1 of 2 atoms"), std::string::npos);
  EXPECT_NE(error_of("1\nx\nXx 0 0 0\n").find("unknown element \"Xx\""), std::string::npos);
  EXPECT_NE(error_of("1\nx\nC 0 nan 0\n").find("not a finite number"), std::string::npos);
  EXPECT_NE(error_of("1\nx\nC 0 0\n").find("expected \"element x y z\""), std::string::npos);
  EXPECT_NE(error_of("1\na\nC 0 0 0\ntwo\nb\n").find("record 2, line 4: expected the atom count"), std::string::npos);
  EXPECT_NE(error_of("-3\nx\n").find("outside 1 to"), std::string::npos);
  EXPECT_NE(error_of("999999999\nx\n").find("outside 1 to"), std::string::npos);
  EXPECT_NE(error_of("").find("no molecules"), std::string::npos);
}

TEST(Molecule, CentringFormulaAndHeavyAtoms) {
  const Molecule ethanol = testing::ethanol();
  const Molecule c = centred(ethanol);
  for (int k = 0; k < 3; ++k) {
    double sum = 0.0;
    for (const auto& p : c.positions) sum += p[k];
    EXPECT_NEAR(sum, 0.0, 1e-12);
  }
  EXPECT_EQ(molecular_formula(ethanol), "C2H6O");
  EXPECT_EQ(molecular_formula(testing::water()), "H2O");
  const Molecule heavy = without_hydrogens(ethanol);
  EXPECT_EQ(heavy.atomic_numbers, (std::vector<int>{6, 6, 8}));
  EXPECT_EQ(heavy.positions[2], ethanol.positions[2]);
}

}  // namespace
}  // namespace diffuse
