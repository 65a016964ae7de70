#pragma once

#include <functional>
#include <string>

#include "diffuse/serve/job_request.h"

namespace diffuse {

struct ServeOptions {
  std::string runs;  // the directory whose runs are served
  std::string host = "127.0.0.1";
  int port = 8080;   // 0: any free port (the one chosen is reported through on_listening)
  std::string token;  // required of every /api request when set (Authorization: Bearer, or ?token=)
  int workers = 1;    // jobs run at once
  int max_queued = 32;
  int max_streams = 16;  // event streams open at once
  ServeLimits limits;
  std::function<void(const std::string& host, int port)> on_listening;
};

// `diffuse serve`: the HTTP API and the page, until stop_serving() or a
// signal handler calls it. Errors for the user (a port in use, no runs
// directory) are an Error before anything is served.
void serve(const ServeOptions& options);
// Asks a running serve() to return (safe from a signal handler's thread).
void stop_serving();

}  // namespace diffuse
