#include "diffuse/distributed/world.h"

#include <gtest/gtest.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(World, NoVariablesIsAJobOfOne) {
  const World world = world_from_variables({});
  EXPECT_EQ(world.rank, 0);
  EXPECT_EQ(world.size, 1);
  EXPECT_FALSE(world.distributed());
  EXPECT_TRUE(world.leader());
}

TEST(World, ReadsTorchrunsVariables) {
  const World world = world_from_variables({{"RANK", "3"},
                                            {"WORLD_SIZE", "8"},
                                            {"LOCAL_RANK", "1"},
                                            {"LOCAL_WORLD_SIZE", "4"},
                                            {"MASTER_ADDR", "10.0.0.2"},
                                            {"MASTER_PORT", "29500"},
                                            {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                            {"TORCHELASTIC_RESTART_COUNT", "2"}});
  EXPECT_EQ(world.rank, 3);
  EXPECT_EQ(world.size, 8);
  EXPECT_EQ(world.local_rank, 1);
  EXPECT_EQ(world.local_size, 4);
  EXPECT_EQ(world.master_address, "10.0.0.2");
  EXPECT_EQ(world.master_port, 29500);
  EXPECT_TRUE(world.agent_store);
  EXPECT_EQ(world.store_prefix, "/worker/attempt_2");
  EXPECT_TRUE(world.distributed());
  EXPECT_FALSE(world.leader());
  EXPECT_EQ(world.describe(), "rank 3 of 8");
}

TEST(World, RanksStartedByHandNeedNoLocalVariables) {
  const World world =
      world_from_variables({{"RANK", "1"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "1234"}});
  EXPECT_EQ(world.local_rank, 0);
  EXPECT_EQ(world.local_size, 1);
  EXPECT_FALSE(world.agent_store);
}

void expect_refused(const std::map<std::string, std::string>& variables, const std::string& naming) {
  try {
    world_from_variables(variables);
    ADD_FAILURE() << "accepted variables that should name " << naming;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(naming), std::string::npos) << e.what();
  }
}

TEST(World, InconsistentVariablesAreClearErrors) {
  expect_refused({{"RANK", "0"}}, "WORLD_SIZE");
  expect_refused({{"WORLD_SIZE", "2"}}, "RANK");
  expect_refused({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}, "RANK=2");
  expect_refused({{"RANK", "-1"}, {"WORLD_SIZE", "2"}}, "RANK=-1");
  expect_refused({{"RANK", "one"}, {"WORLD_SIZE", "2"}}, "RANK=one");
  expect_refused({{"RANK", "0"}, {"WORLD_SIZE", "0"}}, "WORLD_SIZE=0");
  expect_refused({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "1"}}, "MASTER_ADDR");
  expect_refused({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}, "MASTER_PORT");
  expect_refused({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}}, "MASTER_PORT=70000");
  expect_refused({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"LOCAL_WORLD_SIZE", "3"}}, "LOCAL_WORLD_SIZE=3");
}

TEST(World, AJobOfOneNeedsNoRendezvous) {
  const World world = world_from_variables({{"RANK", "0"}, {"WORLD_SIZE", "1"}});
  EXPECT_FALSE(world.distributed());
}

}  // namespace
}  // namespace diffuse
