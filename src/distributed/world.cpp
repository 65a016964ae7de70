#include "diffuse/distributed/world.h"

#include <cstdlib>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

const char* const kVariables[] = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                                  "MASTER_PORT", "TORCHELASTIC_USE_AGENT_STORE", "TORCHELASTIC_RESTART_COUNT"};

// A whole decimal number in [low, high], or an Error naming the variable.
int integer_variable(const std::map<std::string, std::string>& variables, const std::string& name, long low, long high) {
  const auto found = variables.find(name);
  check(found != variables.end(), name + " is not set, but a distributed job needs it (RANK, WORLD_SIZE, MASTER_ADDR and "
                                         "MASTER_PORT, as torchrun sets them)");
  const std::string& text = found->second;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  check(!text.empty() && end != nullptr && *end == '\0' && value >= low && value <= high,
        name + "=" + text + " is not a whole number in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
  return static_cast<int>(value);
}

}  // namespace

std::string World::describe() const { return "rank " + std::to_string(rank) + " of " + std::to_string(size); }

World world_from_variables(const std::map<std::string, std::string>& variables) {
  World world;
  const bool has_rank = variables.count("RANK") > 0, has_size = variables.count("WORLD_SIZE") > 0;
  if (!has_rank && !has_size) return world;
  check(has_rank && has_size, std::string(has_rank ? "RANK" : "WORLD_SIZE") + " is set but " +
                                  (has_rank ? "WORLD_SIZE" : "RANK") +
                                  " is not: a distributed job needs both (and MASTER_ADDR, MASTER_PORT)");
  constexpr long kMaxRanks = 1 << 16;
  world.size = integer_variable(variables, "WORLD_SIZE", 1, kMaxRanks);
  world.rank = integer_variable(variables, "RANK", 0, world.size - 1);
  // LOCAL_* are optional for ranks started by hand: then each is a machine of its own.
  world.local_size = variables.count("LOCAL_WORLD_SIZE") ? integer_variable(variables, "LOCAL_WORLD_SIZE", 1, world.size) : 1;
  world.local_rank = variables.count("LOCAL_RANK") ? integer_variable(variables, "LOCAL_RANK", 0, world.local_size - 1) : 0;
  if (world.size == 1) return world;
  const auto address = variables.find("MASTER_ADDR");
  check(address != variables.end() && !address->second.empty(),
        "MASTER_ADDR is not set: a distributed job needs the address of rank 0 (for example MASTER_ADDR=127.0.0.1)");
  world.master_address = address->second;
  world.master_port = integer_variable(variables, "MASTER_PORT", 1, 65535);
  const auto agent = variables.find("TORCHELASTIC_USE_AGENT_STORE");
  world.agent_store = agent != variables.end() && (agent->second == "True" || agent->second == "true" || agent->second == "1");
  if (world.agent_store) {
    const auto attempt = variables.find("TORCHELASTIC_RESTART_COUNT");
    world.store_prefix = "/worker/attempt_" + (attempt != variables.end() ? attempt->second : std::string("0"));
  }
  return world;
}

World world_from_environment() {
  std::map<std::string, std::string> variables;
  for (const char* name : kVariables) {
    if (const char* value = std::getenv(name)) variables[name] = value;
  }
  return world_from_variables(variables);
}

}  // namespace diffuse
