#include "local_job.h"

#include <unistd.h>

#include <climits>
#include <csignal>

#include "common_options.h"
#include "diffuse/distributed/local_launcher.h"
#include "diffuse/distributed/world.h"
#include "diffuse/util/error.h"

namespace diffuse::cli {

namespace {

// This program's own path, for starting copies of it.
std::string own_executable() {
  char path[PATH_MAX];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
  check(length > 0, "cannot find this program's own path (/proc/self/exe) to start the ranks");
  return std::string(path, static_cast<size_t>(length));
}

}  // namespace

void add_nproc_per_node_option(CLI::App& command, int& processes, const std::string& what) {
  command
      .add_option("--nproc-per-node", processes,
                  what + " as a job of N processes on this machine (Gloo, docs/distributed.md); under torchrun leave it "
                         "out: each rank reads RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT")
      ->check(CLI::Range(1, 256));
}

bool run_as_local_job(int processes, const std::string& failure_note) {
  if (processes <= 1) return false;
  const World world = world_from_environment();
  check(!world.distributed(), "--nproc-per-node starts a job of its own, but this process is already " + world.describe() +
                                  " of one (RANK and WORLD_SIZE are set): leave --nproc-per-node out under torchrun");
  std::vector<std::string> argv{own_executable()};
  const std::vector<std::string>& words = command_line();
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i] == "--nproc-per-node") {
      ++i;  // and its value
    } else if (words[i].rfind("--nproc-per-node=", 0) != 0) {
      argv.push_back(words[i]);
    }
  }
  LocalJobOptions options;
  options.processes = processes;
  const int status = run_local_job(argv, options);
  if (status == 128 + SIGINT || status == 128 + SIGTERM) throw Stopped{status - 128};
  check(status == 0, "the job of " + std::to_string(processes) + " ranks failed (the lines above say which rank and why)" +
                         failure_note);
  return true;
}

}  // namespace diffuse::cli
