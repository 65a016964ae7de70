// diffuse serve: the web page and HTTP API over a directory of runs.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "commands.h"
#include "common_options.h"
#include "option_checks.h"
#include "diffuse/serve/http_server.h"
#include "diffuse/util/error.h"
#include "diffuse/util/network.h"

namespace diffuse::cli {

namespace {

struct ServeArguments {
  std::string runs = "runs", host = "127.0.0.1", token;
  int port = 8080, jobs = 1, max_queued = 32;
  bool allow_remote = false;
};

void run_serve(const ServeArguments& args) {
  ServeOptions options;
  options.runs = args.runs;
  options.host = args.host;
  options.port = args.port;
  options.workers = args.jobs;
  options.max_queued = args.max_queued;
  options.token = args.token;
  if (options.token.empty()) {
    if (const char* token = std::getenv("DIFFUSE_SERVE_TOKEN")) options.token = token;
  }
  if (!is_loopback_address(args.host)) {
    check(args.allow_remote, "--host " + args.host + " would serve other machines: add --allow-remote (with a --token) "
                             "if that is meant; the default 127.0.0.1 serves this machine only");
    check(options.token.size() >= 16, "--allow-remote needs --token (or DIFFUSE_SERVE_TOKEN) of at least 16 "
                                      "characters: anyone who can reach the port could otherwise use the machine");
  }
  options.on_listening = [&](const std::string& host, int port) {
    std::printf("serving the runs in %s at http://%s:%d/%s (Ctrl-C stops)\n", args.runs.c_str(), host.c_str(), port,
                options.token.empty() ? "" : "?token=...");
    std::fflush(stdout);
  };
  // Ctrl-C / SIGTERM set a flag (common_options.h); a thread turns it into a stop.
  install_stop_handler();
  std::atomic<bool> done{false};
  // Asks again until serve() returns: a stop asked before the server runs is otherwise lost.
  std::thread watcher([&done] {
    while (!done) {
      if (stop_requested().load()) stop_serving();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  try {
    serve(options);
  } catch (...) {
    done = true;
    watcher.join();
    throw;
  }
  done = true;
  watcher.join();
  std::printf("stopped\n");
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArguments>();
  CLI::App* command = app.add_subcommand(
      "serve", "A web page and HTTP API over a directory of runs: generate samples and watch the reverse process");
  command->add_option("--runs", args->runs, "directory of run directories (and of groups of them)")->capture_default_str();
  command->add_option("--host", args->host, "address to listen on (other than loopback needs --allow-remote)")
      ->capture_default_str();
  command->add_option("--port", args->port, "port (0: any free one)")->check(CLI::Range(0, 65535))->capture_default_str();
  command->add_option("--token", args->token, "a secret every API request must carry (default: $DIFFUSE_SERVE_TOKEN)");
  command->add_flag("--allow-remote", args->allow_remote, "allow --host to be an address other machines reach");
  command->add_option("--jobs", args->jobs, "generation jobs run at once")->check(CLI::Range(1, 16))->capture_default_str();
  command->add_option("--max-queued", args->max_queued, "jobs that may wait; more are refused with 503")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  return {command, [args] { run_serve(*args); }, /*outputs_together=*/false};
}

}  // namespace diffuse::cli
