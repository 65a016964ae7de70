#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace diffuse {

struct LocalJobOptions {
  int processes = 2;
  // How long the other ranks may take to stop on their own after one has
  // failed (they notice a dead peer at once) before they are terminated.
  std::chrono::seconds grace{30};
};

// `diffuse train --nproc-per-node N`: runs `argv` (argv[0] a path to the
// program) as N processes on this machine, each with the variables torchrun
// would give it (RANK = LOCAL_RANK = 0 ... N-1, WORLD_SIZE = LOCAL_WORLD_SIZE
// = N, MASTER_ADDR = 127.0.0.1, a free MASTER_PORT), and waits for them.
// Ctrl-C reaches every rank through the terminal (they stop together);
// SIGTERM and SIGHUP sent to this process reach the ranks as SIGTERM, and they get
// SIGTERM if this process dies (they stop together, checkpoint saved). When a rank fails
// the others are given `grace` to stop, then terminated. Returns the exit
// status to end with: 0 when every rank succeeded, else the first failed
// rank's (128 + N for a signal), after a line on stderr naming that rank.
int run_local_job(const std::vector<std::string>& argv, const LocalJobOptions& options);

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice).
int free_local_port();

}  // namespace diffuse
