#include "diffuse/apps/fixed_atoms.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/apps/molecule_generation.h"
#include "diffuse/models/egnn.h"
#include "diffuse/sampling/ddpm.h"
#include "diffuse/sampling/ddim.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// A bent C-N-O fragment placed far from the origin, as a user's file would hold it.
Molecule fragment() {
  Molecule molecule;
  molecule.name = "fragment";
  molecule.atomic_numbers = {6, 7, 8};
  molecule.positions = {{10.0, -4.0, 3.0}, {11.4, -4.1, 3.2}, {12.1, -2.9, 3.1}};
  return molecule;
}

EgnnConfig small_egnn() {
  EgnnConfig config;
  config.max_atoms = 7;
  config.atom_types = {6, 7, 8, 9};
  config.hidden_dim = 16;
  config.num_layers = 2;
  config.num_timesteps = 40;
  return config;
}

// At the clean end (timestep -1) the hook returns the given atoms exactly,
// translated only, with the whole molecule centred and padding zero.
TEST(FixedAtoms, TheCleanStateHoldsTheGivenAtomsUpToATranslation) {
  const MoleculeEncoding encoding{{6, 7, 8, 9}, 7};
  const torch::Tensor mask = encoding.mask_for_counts({5, 7});
  const FixedAtoms hook(NoiseSchedule::polynomial(40), encoding, fragment(), mask);
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({2, 7, encoding.feature_dim()}) * mask.unsqueeze(-1);
  SampleNoise noise(0, 0, 2);
  const torch::Tensor y = hook(0, -1, x, noise).to(torch::kDouble);
  const torch::Tensor given = encoding.encode({fragment()}).x0.to(torch::kDouble);
  for (int64_t i = 0; i < 2; ++i) {
    const torch::Tensor kept = y[i].slice(0, 0, 3);
    const torch::Tensor offset = kept.slice(-1, 0, 3) - given[0].slice(0, 0, 3).slice(-1, 0, 3);
    // One translation for all three atoms.
    EXPECT_LT((offset - offset[0]).abs().max().item<double>(), 1e-5);
    EXPECT_TRUE(torch::allclose(kept.slice(-1, 3), given[0].slice(0, 0, 3).slice(-1, 3)));
    const torch::Tensor m = mask[i].to(torch::kDouble).unsqueeze(-1);
    EXPECT_LT((y[i].slice(-1, 0, 3) * m).sum(0).abs().max().item<double>(), 1e-5);
    EXPECT_EQ((y[i].slice(-1, 0, 3) * (1.0 - m)).abs().max().item<double>(), 0.0);
  }
  // The generated atoms keep their relative positions to each other.
  const torch::Tensor free_before = x[0].slice(0, 3, 5).slice(-1, 0, 3).to(torch::kDouble);
  const torch::Tensor free_after = y[0].slice(0, 3, 5).slice(-1, 0, 3);
  EXPECT_TRUE(torch::allclose(free_after[1] - free_after[0], free_before[1] - free_before[0], 1e-5, 1e-5));
}

// The constructor refuses what cannot work, with a message.
TEST(FixedAtoms, RefusesMoleculesWithNothingToGenerate) {
  const MoleculeEncoding encoding{{6, 7, 8, 9}, 7};
  EXPECT_THROW(FixedAtoms(NoiseSchedule::polynomial(40), encoding, fragment(), encoding.mask_for_counts({3})), Error);
  Molecule seven = fragment();
  for (int i = 0; i < 4; ++i) {
    seven.atomic_numbers.push_back(6);
    seven.positions.push_back({0.0, 0.0, 1.5 * i});
  }
  EXPECT_THROW(FixedAtoms(NoiseSchedule::polynomial(40), encoding, seven, encoding.mask_for_counts({7})), Error);
}

// Scaffold completion end to end, for an untrained network and two
// samplers: every molecule starts with the given atoms, of the given types,
// exactly where the file put them; the rest is generated (sizes drawn above
// the fragment's).
TEST(FixedAtoms, GeneratedMoleculesKeepTheGivenAtomsWhereTheyWere) {
  const EgnnConfig egnn = small_egnn();
  torch::manual_seed(0);
  auto network = std::make_shared<Egnn>(egnn);
  const NoiseSchedule schedule = NoiseSchedule::polynomial(40);
  const Denoiser denoiser(network, schedule, Prediction::kEpsilon, false);
  RunConfig config;
  config.model = egnn;
  config.data.atom_count_histogram = {0, 0, 5, 5, 5, 5, 5, 5};  // sizes 2..7: only 4..7 can hold the fragment
  MoleculeGenerationOptions options;
  options.num_molecules = 12;
  options.batch_size = 5;
  options.fixed = fragment();
  DdpmSampler ddpm(schedule, {});
  ddpm.set_timesteps(40);
  DdimSampler ddim(schedule, {});
  ddim.set_timesteps(10);
  for (Sampler* sampler : std::vector<Sampler*>{&ddpm, &ddim}) {
    const std::vector<Molecule> molecules = generate_molecules(denoiser, *sampler, config, options);
    ASSERT_EQ(molecules.size(), 12u);
    for (const Molecule& molecule : molecules) {
      ASSERT_GT(molecule.num_atoms(), 3);
      for (size_t a = 0; a < 3; ++a) {
        EXPECT_EQ(molecule.atomic_numbers[a], fragment().atomic_numbers[a]);
        for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(molecule.positions[a][k], fragment().positions[a][k], 1e-4);
      }
    }
  }
  options.atoms = 3;
  EXPECT_THROW(generate_molecules(denoiser, ddpm, config, options), Error);
}

TEST(FixedAtoms, DrawnSizesLeaveRoomForTheFixedAtoms) {
  const std::vector<int64_t> counts = draw_atom_counts({0, 4, 4, 4, 4}, 500, 1, 0, 3);
  for (int64_t c : counts) ASSERT_TRUE(c == 3 || c == 4) << c;
  EXPECT_THROW(draw_atom_counts({0, 4, 4}, 1, 0, 0, 3), Error);
}

}  // namespace
}  // namespace diffuse
