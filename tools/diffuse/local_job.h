#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace diffuse::cli {

// Registers --nproc-per-node N on a command that can run as a data-parallel job.
void add_nproc_per_node_option(CLI::App& command, int& processes, const std::string& what);

// --nproc-per-node N > 1 in a process that is not a rank yet: runs this same
// command line as N ranks on this machine (run_local_job), waits, and
// returns true: the caller is done. Throws Stopped when the ranks were
// stopped by Ctrl-C / SIGTERM, and an Error (after the ranks' own messages)
// when one failed; `failure_note` ends that message. Returns false when the
// caller should go on as a rank itself (N = 1, or under torchrun).
bool run_as_local_job(int processes, const std::string& failure_note);

}  // namespace diffuse::cli
