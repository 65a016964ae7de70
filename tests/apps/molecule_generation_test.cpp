#include "diffuse/apps/molecule_generation.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "diffuse/models/egnn.h"
#include "diffuse/sampling/ddpm.h"
#include "diffuse/sampling/sample_loop.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(MoleculeGeneration, AtomCountsFollowTheHistogramWhateverTheBatch) {
  const std::vector<int64_t> histogram{0, 0, 3, 0, 1};
  const std::vector<int64_t> counts = draw_atom_counts(histogram, 4000, 7);
  int64_t twos = 0, fours = 0;
  for (int64_t c : counts) {
    ASSERT_TRUE(c == 2 || c == 4) << c;
    (c == 2 ? twos : fours) += 1;
  }
  EXPECT_NEAR(static_cast<double>(twos) / 4000.0, 0.75, 0.03);  // 3:1, ~7 standard errors wide
  // Draw i depends on (seed, i) only: the second half drawn on its own is the same.
  const std::vector<int64_t> second_half = draw_atom_counts(histogram, 2000, 7, 2000);
  EXPECT_TRUE(std::equal(second_half.begin(), second_half.end(), counts.begin() + 2000));
  EXPECT_NE(draw_atom_counts(histogram, 100, 8), std::vector<int64_t>(counts.begin(), counts.begin() + 100));
  EXPECT_THROW(draw_atom_counts({0, 0}, 1, 0), Error);
}

// Sampling stays on the zero centre-of-mass subspace: every generated
// molecule's real atoms have mean position zero and padded rows are zero,
// for an untrained network whose raw output is neither.
TEST(MoleculeGeneration, SamplesAreCentredAndPaddingIsZero) {
  EgnnConfig config;
  config.max_atoms = 5;
  config.atom_types = {6, 7, 8};
  config.hidden_dim = 8;
  config.num_layers = 2;
  config.num_timesteps = 50;
  torch::manual_seed(0);
  auto network = std::make_shared<Egnn>(config);
  const NoiseSchedule schedule = NoiseSchedule::polynomial(50);
  const Denoiser denoiser(network, schedule, Prediction::kEpsilon, false);
  DdpmSampler sampler(schedule, {});
  sampler.set_timesteps(50);
  GenerateOptions options;
  options.num_samples = 6;
  options.batch_size = 4;
  const MoleculeEncoding encoding{config.atom_types, config.max_atoms};
  options.mask = encoding.mask_for_counts({2, 5, 3, 4, 1, 5});
  const torch::Tensor samples = generate(denoiser, sampler, options).samples.to(torch::kDouble);
  const torch::Tensor mask = options.mask.to(torch::kDouble);
  const torch::Tensor mean = (samples.slice(-1, 0, 3) * mask.unsqueeze(-1)).sum(1);
  // Zero up to float32 rounding of the sampler's arithmetic, which scales
  // with the coordinates (the untrained network drives them to ~600): about
  // 8 ulps of the largest. Compilers differ in rounding here (clang's build
  // left 2.1e-5 of 611, gcc's less).
  const double largest = samples.slice(-1, 0, 3).abs().max().item<double>();
  EXPECT_LT(mean.abs().max().item<double>(), 1e-6 * std::max(largest, 1.0));
  EXPECT_EQ((samples * (1.0 - mask).unsqueeze(-1)).abs().max().item<double>(), 0.0);
  EXPECT_GT(samples.slice(-1, 0, 3).abs().max().item<double>(), 0.1);
}

}  // namespace
}  // namespace diffuse
