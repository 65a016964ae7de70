#include "diffuse/data/batch_order.h"

#include <set>

#include <gtest/gtest.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(BatchOrder, EachEpochVisitsEverySampleOnce) {
  BatchOrder order(10, 5, 1);
  std::multiset<int64_t> seen;
  for (int i = 0; i < 2; ++i) {
    for (int64_t index : order.next_batch()) seen.insert(index);
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 10u);
  EXPECT_EQ(order.epoch(), 0);
  order.next_batch();
  EXPECT_EQ(order.epoch(), 1);
}

TEST(BatchOrder, RestoredOrderContinuesIdentically) {
  BatchOrder straight(7, 3, 9);
  for (int i = 0; i < 4; ++i) straight.next_batch();
  BatchOrder restored(7, 3, 9);
  restored.restore(straight.epoch(), straight.position());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(straight.next_batch(), restored.next_batch());
  EXPECT_THROW(restored.restore(0, 8), Error);
}

TEST(BatchOrder, BatchesLargerThanTheDatasetWrapAround) {
  BatchOrder order(3, 8, 0);
  const std::vector<int64_t> batch = order.next_batch();
  EXPECT_EQ(batch.size(), 8u);
  EXPECT_EQ(order.epoch(), 2);
}

}  // namespace
}  // namespace diffuse
