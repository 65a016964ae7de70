#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace diffuse {

// Where this process stands in a data-parallel job, read from the variables
// torchrun sets for every worker (and that ranks started by hand set
// themselves): RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT. Without them a process is a job of one.
struct World {
  int rank = 0;
  int size = 1;
  int local_rank = 0;
  int local_size = 1;
  std::string master_address;  // where rank 0 (or torchrun's agent) serves the rendezvous store
  int master_port = 0;
  // Under torchrun the agent already serves the store at MASTER_PORT
  // (TORCHELASTIC_USE_AGENT_STORE): the workers join it as clients, under
  // the key prefix of the agent's restart attempt, as PyTorch's workers do.
  bool agent_store = false;
  std::string store_prefix;

  bool distributed() const { return size > 1; }
  bool leader() const { return rank == 0; }
  // "rank 1 of 2", for messages.
  std::string describe() const;
};

// The world the environment describes; a job of one when RANK and
// WORLD_SIZE are both unset. Partial or inconsistent variables (RANK
// without WORLD_SIZE, RANK >= WORLD_SIZE, no MASTER_ADDR, a port that is not
// a number) are an Error that names the variable.
World world_from_environment();
World world_from_variables(const std::map<std::string, std::string>& variables);

}  // namespace diffuse
