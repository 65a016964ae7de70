#include "diffuse/distributed/local_launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

#include "diffuse/util/error.h"

extern char** environ;

namespace diffuse {

namespace {

std::atomic<int> g_forwarded_signal{0};

extern "C" void remember_signal(int signal) { g_forwarded_signal.store(signal); }

// Installs `handler` for the launcher's lifetime and restores the old ones after.
class SignalHandlers {
 public:
  SignalHandlers() {
    struct sigaction action {};
    action.sa_handler = remember_signal;
    sigemptyset(&action.sa_mask);
    for (int signal : {SIGTERM, SIGHUP}) sigaction(signal, &action, &saved_[signal]);
    // Ctrl-C goes to the whole foreground process group: the ranks decide
    // together to stop; this process only waits for them.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, &ignore, &saved_[SIGINT]);
  }
  ~SignalHandlers() {
    for (auto& [signal, action] : saved_) sigaction(signal, &action, nullptr);
  }

 private:
  std::map<int, struct sigaction> saved_;
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return "was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  return "ended with wait status " + std::to_string(status);
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, std::string("cannot open a socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  ::close(fd);
  check(ok, std::string("cannot find a free port on 127.0.0.1: ") + std::strerror(error));
  return ntohs(address.sin_port);
}

int run_local_job(const std::vector<std::string>& argv, const LocalJobOptions& options) {
  check(!argv.empty(), "run_local_job: no program to run");
  check(options.processes >= 1, "--nproc-per-node must be at least 1");
  const int port = free_local_port();
  const SignalHandlers handlers;
  g_forwarded_signal.store(0);

  std::vector<char*> arguments;
  for (const std::string& word : argv) arguments.push_back(const_cast<char*>(word.c_str()));
  arguments.push_back(nullptr);

  std::map<pid_t, int> ranks;  // running children
  auto signal_all = [&](int signal) {
    for (const auto& [pid, rank] : ranks) ::kill(pid, signal);
  };
  for (int rank = 0; rank < options.processes; ++rank) {
    std::vector<std::string> variables;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      const std::string text = *entry;
      const std::string name = text.substr(0, text.find('='));
      // The job's own variables replace any the caller had (a launcher inside a job).
      if (name == "RANK" || name == "WORLD_SIZE" || name == "LOCAL_RANK" || name == "LOCAL_WORLD_SIZE" ||
          name == "MASTER_ADDR" || name == "MASTER_PORT" || name.rfind("TORCHELASTIC_", 0) == 0) {
        continue;
      }
      variables.push_back(text);
    }
    const std::string n = std::to_string(options.processes), r = std::to_string(rank);
    for (const std::string& extra : {"RANK=" + r, "LOCAL_RANK=" + r, "WORLD_SIZE=" + n, "LOCAL_WORLD_SIZE=" + n,
                                     std::string("MASTER_ADDR=127.0.0.1"), "MASTER_PORT=" + std::to_string(port)}) {
      variables.push_back(extra);
    }
    std::vector<char*> environment;
    for (std::string& text : variables) environment.push_back(text.data());
    environment.push_back(nullptr);
    const pid_t launcher = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      // In the child, only async-signal-safe calls until exec: the ranks
      // handle Ctrl-C themselves (this process ignores it), and are sent
      // SIGTERM (stop at the next step, checkpoint saved) if this process dies.
      struct sigaction default_action {};
      default_action.sa_handler = SIG_DFL;
      sigemptyset(&default_action.sa_mask);
      for (int signal : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal, &default_action, nullptr);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != launcher) ::_exit(127);
      ::execve(argv[0].c_str(), arguments.data(), environment.data());
      ::_exit(127);
    }
    const int error = pid < 0 ? errno : 0;
    if (error != 0) {
      signal_all(SIGTERM);
      for (const auto& [child, ignored] : ranks) ::waitpid(child, nullptr, 0);
      throw Error("cannot start rank " + r + " (" + argv[0] + "): " + std::strerror(error));
    }
    ranks[pid] = rank;
  }

  int result = 0;
  bool failed = false;
  auto failed_at = std::chrono::steady_clock::now();
  bool terminated = false, killed = false;
  while (!ranks.empty()) {
    // The ranks stop (checkpoint saved) on SIGTERM; SIGHUP would end them at once.
    if (const int signal = g_forwarded_signal.exchange(0); signal != 0) signal_all(SIGTERM);
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0 && ranks.count(pid) > 0) {
      const int rank = ranks[pid];
      ranks.erase(pid);
      const int code = exit_code(status);
      // 130 / 143: the rank stopped on Ctrl-C / SIGTERM, which all ranks
      // decide together; rank 0 may still be saving the checkpoint, so no
      // grace period runs out on it.
      if (WIFEXITED(status) && (code == 128 + SIGINT || code == 128 + SIGTERM)) {
        if (result == 0) result = code;
        continue;
      }
      if (code != 0 && !failed) {
        failed = true;
        failed_at = std::chrono::steady_clock::now();
        result = code;
        std::fprintf(stderr, "diffuse: rank %d of %d (pid %d) %s%s\n", rank, options.processes, static_cast<int>(pid),
                     describe_status(status).c_str(), ranks.empty() ? "" : "; waiting for the other ranks to stop");
      }
      continue;
    }
    if (pid < 0 && errno == ECHILD) break;
    if (failed) {
      const auto waited = std::chrono::steady_clock::now() - failed_at;
      if (!terminated && waited > options.grace) {
        std::fprintf(stderr, "diffuse: %zu rank(s) still running %llds after the failure: terminating them\n",
                     ranks.size(), static_cast<long long>(options.grace.count()));
        signal_all(SIGTERM);
        terminated = true;
      } else if (!killed && waited > options.grace + std::chrono::seconds(10)) {
        signal_all(SIGKILL);
        killed = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return result;
}

}  // namespace diffuse
