#include "diffuse/molecules/molecule_tensor.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"
#include "molecules/hand_made_molecules.h"

namespace diffuse {
namespace {

const MoleculeEncoding kEncoding{{1, 6, 7, 8, 9}, 12};

TEST(MoleculeTensor, EncodesAsEdmScalesFeatures) {
  const Batch batch = kEncoding.encode({testing::water(), testing::ethanol()});
  ASSERT_EQ(batch.x0.sizes(), (std::vector<int64_t>{2, 12, 9}));
  // Water's oxygen: position, one-hot O / 4 in column 3 + 3, atomic number / 10.
  EXPECT_FLOAT_EQ(batch.x0[0][0][3 + 3].item<float>(), 0.25f);
  EXPECT_FLOAT_EQ(batch.x0[0][0][8].item<float>(), 0.8f);
  EXPECT_FLOAT_EQ(batch.x0[0][1][1].item<float>(), static_cast<float>(testing::water().positions[1][1]));
  EXPECT_FLOAT_EQ(batch.x0[0][1][3].item<float>(), 0.25f);  // H
  EXPECT_FLOAT_EQ(batch.conditioning.mask[0].sum().item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(batch.conditioning.mask[1].sum().item<float>(), 9.0f);
  EXPECT_EQ(batch.x0[0].slice(0, 3).abs().max().item<float>(), 0.0f);  // padding is zero
}

TEST(MoleculeTensor, DecodesTheLargestOneHotEntry) {
  const Molecule ethanol = testing::ethanol();
  Batch batch = kEncoding.encode({ethanol});
  // A noisy but unambiguous sample: a one-hot gap of 0.25 against noise of std 0.02 (a fixed draw; the
  // gap is 8.8 standard deviations of the difference, so no draw flips a type, where 0.05 flipped one in ~100).
  torch::Generator generator = at::detail::createCPUGenerator(7);
  batch.x0 = batch.x0 + 0.02 * torch::randn(batch.x0.sizes(), generator, batch.x0.options());
  const std::vector<Molecule> decoded = kEncoding.decode(batch.x0, batch.conditioning.mask);
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0].atomic_numbers, ethanol.atomic_numbers);
  EXPECT_NEAR(decoded[0].positions[2][0], ethanol.positions[2][0], 0.3);
}

TEST(MoleculeTensor, RefusesUnknownTypesAndTooManyAtoms) {
  const MoleculeEncoding heavy{{6, 7, 8, 9}, 9};
  EXPECT_THROW(heavy.encode({testing::water()}), Error);  // H is not a heavy-atom type
  const MoleculeEncoding tiny{{1, 6, 7, 8, 9}, 2};
  EXPECT_THROW(tiny.encode({testing::water()}), Error);
  EXPECT_THROW(kEncoding.mask_for_counts({0}), Error);
  EXPECT_EQ(kEncoding.mask_for_counts({2, 12}).sum().item<float>(), 14.0f);
}

}  // namespace
}  // namespace diffuse
