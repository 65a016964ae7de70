#include "diffuse/training/learning_rate.h"

#include <cmath>

#include <gtest/gtest.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TrainOptions options(LrSchedule schedule) {
  TrainOptions t;
  t.learning_rate = 1e-3;
  t.warmup_steps = 10;
  t.steps = 110;
  t.lr_schedule = schedule;
  return t;
}

TEST(LearningRate, WarmsUpLinearlyThenStaysConstant) {
  const TrainOptions t = options(LrSchedule::kConstant);
  EXPECT_DOUBLE_EQ(learning_rate_at(t, 0), 1e-4);
  EXPECT_DOUBLE_EQ(learning_rate_at(t, 4), 5e-4);
  EXPECT_DOUBLE_EQ(learning_rate_at(t, 9), 1e-3);
  EXPECT_DOUBLE_EQ(learning_rate_at(t, 10), 1e-3);
  EXPECT_DOUBLE_EQ(learning_rate_at(t, 109), 1e-3);
}

TEST(LearningRate, CosineDecaysFromTheEndOfWarmUpToZeroAtTheEnd) {
  const TrainOptions t = options(LrSchedule::kCosine);
  EXPECT_DOUBLE_EQ(learning_rate_at(t, 4), 5e-4);   // the same warm-up
  EXPECT_DOUBLE_EQ(learning_rate_at(t, 10), 1e-3);  // decay starts at the full rate
  // 100 steps of decay: a quarter, half and all the way through.
  EXPECT_NEAR(learning_rate_at(t, 35), 1e-3 * (1 + std::cos(M_PI / 4)) / 2, 1e-15);
  EXPECT_NEAR(learning_rate_at(t, 60), 5e-4, 1e-15);
  EXPECT_NEAR(learning_rate_at(t, 110), 0.0, 1e-15);
  EXPECT_NEAR(learning_rate_at(t, 500), 0.0, 1e-15);  // past the end it stays at 0
  for (int64_t step = 11; step < 110; ++step) EXPECT_LT(learning_rate_at(t, step), learning_rate_at(t, step - 1));
}

TEST(LearningRate, WithoutWarmUpTheFirstStepHasTheFullRate) {
  TrainOptions t = options(LrSchedule::kCosine);
  t.warmup_steps = 0;
  EXPECT_DOUBLE_EQ(learning_rate_at(t, 0), 1e-3);
  EXPECT_NEAR(learning_rate_at(t, 55), 5e-4, 1e-15);
  t.lr_schedule = LrSchedule::kConstant;
  EXPECT_DOUBLE_EQ(learning_rate_at(t, 0), 1e-3);
}

TEST(LearningRate, NamesRoundTripAndUnknownOnesAreRefused) {
  for (const LrSchedule s : {LrSchedule::kConstant, LrSchedule::kCosine}) EXPECT_EQ(lr_schedule_from_string(to_string(s)), s);
  EXPECT_THROW(lr_schedule_from_string("linear"), Error);
}

}  // namespace
}  // namespace diffuse
