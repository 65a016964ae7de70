#include "diffuse/sampling/spacing.h"

#include <gtest/gtest.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

using Steps = std::vector<int64_t>;

// Expected lists: Lin et al. 2024 Table 2 (T = 1000, K = 10, shifted to
// 0-based timesteps), and the numpy definitions evaluated independently for
// the other (T, K) pairs, including ties that round half to even.
TEST(Spacing, LinspaceIncludesBothEnds) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLinspace, 10), (Steps{999, 888, 777, 666, 555, 444, 333, 222, 111, 0}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLinspace, 3), (Steps{999, 500, 0}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLinspace, 7), (Steps{999, 832, 666, 500, 333, 166, 0}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLinspace, 1), (Steps{999}));
  const NoiseSchedule ten = NoiseSchedule::linear(10);
  EXPECT_EQ(spaced_timesteps(ten, Spacing::kLinspace, 3), (Steps{9, 4, 0}));  // 4.5 rounds to even
  EXPECT_EQ(spaced_timesteps(ten, Spacing::kLinspace, 4), (Steps{9, 6, 3, 0}));
}

TEST(Spacing, LeadingStartsBelowTheTop) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLeading, 10), (Steps{900, 800, 700, 600, 500, 400, 300, 200, 100, 0}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLeading, 3), (Steps{666, 333, 0}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLeading, 7), (Steps{852, 710, 568, 426, 284, 142, 0}));
  EXPECT_EQ(spaced_timesteps(NoiseSchedule::linear(10), Spacing::kLeading, 4), (Steps{6, 4, 2, 0}));
}

TEST(Spacing, TrailingStartsAtTheTop) {
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kTrailing, 10), (Steps{999, 899, 799, 699, 599, 499, 399, 299, 199, 99}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kTrailing, 3), (Steps{999, 666, 332}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kTrailing, 7), (Steps{999, 856, 713, 570, 428, 285, 142}));
  EXPECT_EQ(spaced_timesteps(NoiseSchedule::linear(10), Spacing::kTrailing, 4), (Steps{9, 7, 4, 1}));  // 7.5 -> 8
}

TEST(Spacing, KarrasRoundsEq5ToTheNearestTrainingSigma) {
  // Eq. (5) between max(sigma(0), 0.002) and min(sigma(T-1), 80); lists from
  // tests/sampling/reference/samplers_reference.py. Linear: sigma(0) = 0.0100005, sigma(999) = 157.4.
  const NoiseSchedule linear = NoiseSchedule::linear(1000);
  EXPECT_EQ(spaced_timesteps(linear, Spacing::kKarras, 5), (Steps{930, 767, 501, 98, 0}));
  EXPECT_EQ(spaced_timesteps(linear, Spacing::kKarras, 10), (Steps{930, 865, 789, 695, 575, 414, 217, 71, 14, 0}));
  // Cosine: sigma(999) = 20291 after the max_beta clip, so sigma_max = 80 matters.
  EXPECT_EQ(spaced_timesteps(NoiseSchedule::cosine(1000), Spacing::kKarras, 8), (Steps{991, 981, 957, 884, 659, 243, 37, 0}));
  const std::vector<double> sigmas = karras_sigmas(0.002, 80.0, 18);
  EXPECT_DOUBLE_EQ(sigmas.front(), 80.0);
  EXPECT_NEAR(sigmas.back(), 0.002, 1e-15);
  // EDM's default grid: sigma_1 = (80^(1/7) + (0.002^(1/7) - 80^(1/7)) / 17)^7.
  EXPECT_NEAR(sigmas[1], 57.585985, 1e-5);
}

TEST(Spacing, EverySpacingGivesKDistinctDescendingTimestepsUpToKEqualsT) {
  const NoiseSchedule schedule = NoiseSchedule::cosine(200);
  for (const std::string& name : spacing_names()) {
    for (int64_t k : {1, 2, 13, 150, 199, 200}) {
      const Steps steps = spaced_timesteps(schedule, spacing_from_string(name), k);
      ASSERT_EQ(static_cast<int64_t>(steps.size()), k) << name;
      for (size_t i = 1; i < steps.size(); ++i) ASSERT_LT(steps[i], steps[i - 1]) << name << " K=" << k;
      EXPECT_GE(steps.back(), 0);
      EXPECT_LE(steps.front(), 199);
    }
  }
  // K = T visits every timestep whatever the spacing.
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kKarras, 200).back(), 0);
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kTrailing, 200).back(), 0);
}

TEST(Spacing, AReverseProcessCanStartPartWay) {
  // From timestep 399 or 400 (SDEdit, denoising): the spacing over the first + 1 timesteps below it.
  const NoiseSchedule schedule = NoiseSchedule::linear(1000);
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLinspace, 5, 400), (Steps{400, 300, 200, 100, 0}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLeading, 4, 399), (Steps{300, 200, 100, 0}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kTrailing, 4, 399), (Steps{399, 299, 199, 99}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kKarras, 6, 400).front(), 400);
  // Karras from a first timestep above sigma = 80 starts there too, not at EDM's 80.
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kKarras, 6, 960).front(), 960);
  for (int64_t t : spaced_timesteps(schedule, Spacing::kKarras, 3, 2)) EXPECT_LE(t, 2);
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLinspace, 1, 0), (Steps{0}));
  EXPECT_EQ(spaced_timesteps(schedule, Spacing::kLinspace, 10, 999), spaced_timesteps(schedule, Spacing::kLinspace, 10));
  EXPECT_THROW(spaced_timesteps(schedule, Spacing::kLinspace, 5, 1000), Error);
  EXPECT_THROW(spaced_timesteps(schedule, Spacing::kLinspace, 6, 4), Error);  // 6 steps from timestep 4
}

TEST(Spacing, BadRequestsGiveClearErrors) {
  const NoiseSchedule schedule = NoiseSchedule::linear(100);
  EXPECT_THROW(spaced_timesteps(schedule, Spacing::kLinspace, 0), Error);
  EXPECT_THROW(spaced_timesteps(schedule, Spacing::kKarras, 101), Error);
  EXPECT_THROW(spacing_from_string("uniform"), Error);
  try {
    spaced_timesteps(schedule, Spacing::kLeading, 101);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot take 101 steps with a 100-step schedule"), std::string::npos);
  }
}

}  // namespace
}  // namespace diffuse
