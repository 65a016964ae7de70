#include "diffuse/metrics/molecule_metrics.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "diffuse/data/qm9.h"
#include "diffuse/molecules/bond_orders.h"
#include "diffuse/molecules/rdkit_chemistry.h"
#include "diffuse/molecules/xyz_file.h"
#include "molecules/hand_made_molecules.h"
#include "test_support.h"

namespace diffuse {
namespace {

TEST(MoleculeMetrics, CountsOnHandMadeMolecules) {
  // Two waters (duplicates), hydrogen cyanide, aromatic-length benzene
  // (valid, 6 of 12 atoms stable) and an overbonded carbon (invalid, 5 of 6
  // atoms stable: the hydrogens).
  const std::vector<Molecule> molecules{testing::water(), testing::water(), testing::hydrogen_cyanide(),
                                        testing::benzene(1.395, 1.395), testing::overbonded_carbon()};
  const std::unordered_set<std::string> reference{"[H]O[H]"};
  const MoleculeMetrics m = evaluate_molecules(molecules, &reference);
  EXPECT_EQ(m.num_atoms, 3 + 3 + 3 + 12 + 6);
  EXPECT_EQ(m.stable_atoms, 3 + 3 + 3 + 6 + 5);
  EXPECT_EQ(m.stable_molecules, 3);
  EXPECT_EQ(m.valid, 4);
  EXPECT_EQ(m.unique, 3);
  EXPECT_EQ(m.novel, 2);
  EXPECT_EQ(m.connected_molecules, 5);
  EXPECT_DOUBLE_EQ(m.validity(), 0.8);
  EXPECT_DOUBLE_EQ(m.uniqueness(), 0.75);
  EXPECT_DOUBLE_EQ(m.novelty(), 2.0 / 3.0);
  const nlohmann::json json = m.to_json();
  for (const char* key : {"atom_stability", "molecule_stability", "validity", "uniqueness", "novelty", "connected"}) {
    ASSERT_TRUE(json.contains(key)) << key;
    EXPECT_GE(json[key].get<double>(), 0.0);
    EXPECT_LE(json[key].get<double>(), 1.0);
  }
  EXPECT_TRUE(evaluate_molecules(molecules, nullptr).to_json()["novelty"].is_null());
}

// Uniqueness and novelty look at the largest fragment: ethanol with a water
// beside it counts as ethanol, which the reference knows.
TEST(MoleculeMetrics, UniquenessAndNoveltyUseTheLargestFragment) {
  Molecule mixture = testing::ethanol();
  for (const auto& p : testing::water().positions) mixture.positions.push_back({p[0] + 6.0, p[1], p[2]});
  for (int z : testing::water().atomic_numbers) mixture.atomic_numbers.push_back(z);
  const std::unordered_set<std::string> reference{"CCO"};
  const MoleculeMetrics m =
      evaluate_molecules({without_hydrogens(mixture), without_hydrogens(testing::ethanol())}, &reference);
  EXPECT_EQ(m.valid, 2);
  EXPECT_EQ(m.unique, 1);
  EXPECT_EQ(m.novel, 0);
  EXPECT_EQ(m.connected_molecules, 1);
}

std::string qm9_directory() { return (std::filesystem::path(testing::shared_data_directory()) / "qm9").string(); }

// Known molecules at the start of QM9 (Ramakrishnan et al. 2014's numbering).
TEST(MoleculeMetrics, FirstQm9MoleculesGiveTheirKnownSmiles) {
  const std::string path = qm9_directory() + "/qm9.xyz.gz";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "QM9 not found at " << path;
  const std::vector<Molecule> all = read_xyz(path);
  ASSERT_EQ(all.size(), 128744u);
  const std::vector<std::string> expected{"C", "N", "O", "C#C", "C#N", "C=O", "CC", "CO", "C#CC", "CC#N"};
  for (size_t i = 0; i < expected.size(); ++i) {
    const Molecule heavy = without_hydrogens(all[i]);
    const std::vector<int> orders = bond_order_matrix(all[i]);
    EXPECT_EQ(analyse_chemistry(heavy, bond_order_matrix(heavy)).smiles, expected[i]) << all[i].name;
    EXPECT_TRUE(check_valences(all[i], orders).molecule_stable()) << all[i].name;
  }
}

// An independent implementation of EDM's protocol scored every 64th
// molecule of this file (2,012 molecules, with hydrogens) at atom stability
// 0.9940, molecule stability 0.9573 and validity 0.9801.
TEST(MoleculeMetrics, QM9EveryFirstOf64MatchesTheIndependentScores) {
  const std::string path = qm9_directory() + "/qm9.xyz.gz";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "QM9 not found at " << path;
  const std::vector<Molecule> all = read_xyz(path);
  std::vector<Molecule> every_64th;
  for (size_t i = 0; i < all.size(); i += 64) every_64th.push_back(all[i]);
  ASSERT_EQ(every_64th.size(), 2012u);
  const MoleculeMetrics m = evaluate_molecules(every_64th, nullptr);
  EXPECT_NEAR(m.atom_stability(), 0.9940, 0.0006);
  EXPECT_NEAR(m.molecule_stability(), 0.9573, 0.0006);
  EXPECT_NEAR(m.validity(), 0.9801, 0.0006);
}

TEST(Qm9, SplitIsFixedDisjointAndFollowsCormorantsRule) {
  const Qm9Split split = split_qm9(128744, kQm9SplitSeed);
  EXPECT_EQ(split.train.size(), 100000u);
  EXPECT_EQ(split.test.size(), 12874u);
  EXPECT_EQ(split.validation.size(), 15870u);
  std::vector<int> seen(128744, 0);
  for (const auto* part : {&split.train, &split.validation, &split.test}) {
    for (int64_t i : *part) ++seen[static_cast<size_t>(i)];
  }
  for (int count : seen) ASSERT_EQ(count, 1);
  EXPECT_EQ(split_qm9(128744, kQm9SplitSeed).test, split.test);
  EXPECT_NE(split_qm9(128744, 1).test, split.test);
  const Qm9Split small = split_qm9(50);
  EXPECT_EQ(small.train.size(), 40u);
  EXPECT_EQ(small.test.size(), 5u);
}

TEST(Qm9, AtomCountHistogram) {
  const std::vector<int64_t> histogram =
      atom_count_histogram({testing::water(), testing::water(), testing::ethanol()});
  ASSERT_EQ(histogram.size(), 10u);
  EXPECT_EQ(histogram[3], 2);
  EXPECT_EQ(histogram[9], 1);
  EXPECT_EQ(histogram[4], 0);
}

}  // namespace
}  // namespace diffuse
