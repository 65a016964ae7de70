#include "diffuse/serve/http_server.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "diffuse/schedule.h"
#include "diffuse/serve/job_queue.h"
#include "diffuse/serve/run_catalog.h"
#include "diffuse/serve/sample_job.h"
#include "diffuse/serve/training_log.h"
#include "diffuse/serve/web_assets.h"
#include "diffuse/util/base64.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

std::mutex g_server_mutex;
httplib::Server* g_server = nullptr;
std::atomic<bool> g_stop_requested{false};

void send_json(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& response, int status, const std::string& message) {
  send_json(response, status, {{"error", message}});
}

// Every response: no caching of API answers, no sniffing, the page alone.
void set_common_headers(httplib::Response& response) {
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Content-Type-Options", "nosniff");
}

bool authorised(const httplib::Request& request, const std::string& token) {
  if (token.empty()) return true;
  if (request.get_header_value("Authorization") == "Bearer " + token) return true;
  return request.has_param("token") && request.get_param_value("token") == token;
}

}  // namespace

void stop_serving() {
  g_stop_requested = true;
  std::lock_guard<std::mutex> lock(g_server_mutex);
  if (g_server != nullptr) g_server->stop();
}

void serve(const ServeOptions& options) {
  RunCatalog catalog(options.runs);
  auto runner = std::make_shared<SampleJobRunner>(catalog, options.limits);
  JobQueueOptions queue_options;
  queue_options.workers = options.workers;
  queue_options.max_queued = options.max_queued;
  JobQueue queue([runner](const JobRequest& request, JobProgress& progress) { return runner->run(request, progress); },
                 queue_options);
  std::atomic<int> open_streams{0};

  httplib::Server server;
  // Threads for requests: event streams hold one each while they last.
  const int threads = options.max_streams + 8;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_payload_max_length(static_cast<size_t>(options.limits.max_body_bytes));
  server.set_read_timeout(std::chrono::seconds(10));
  server.set_write_timeout(std::chrono::seconds(10));
  server.set_keep_alive_max_count(100);
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
  // algorithm holds the second until the client's delayed ACK, 40 ms a request.
  server.set_tcp_nodelay(true);

  server.set_pre_routing_handler([&](const httplib::Request& request, httplib::Response& response) {
    set_common_headers(response);
    if (request.path.rfind("/api/", 0) == 0 && !authorised(request, options.token)) {
      send_error(response, 401, "this server needs its token: Authorization: Bearer TOKEN (or ?token=TOKEN)");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
    std::string message = "internal error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      message = first_line(e);
    } catch (...) {
    }
    send_error(response, 500, message);
  });
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (!response.body.empty()) return;  // a handler's own error
    const std::string what = response.status == 404   ? "no such resource: " + request.method + " " + request.path
                             : response.status == 413 ? "the request body is larger than the server accepts"
                                                      : "the request could not be served";
    send_error(response, response.status, what);
  });

  // The page.
  for (const WebAsset& asset : web_assets()) {
    const std::string path = asset.path;
    server.Get(path == "/index.html" ? "/" : path, [asset](const httplib::Request&, httplib::Response& response) {
      response.set_content(std::string(asset.data, asset.size), asset.content_type);
    });
  }

  server.Get("/api/runs", [&](const httplib::Request&, httplib::Response& response) {
    nlohmann::json runs = nlohmann::json::array();
    for (const ServedRun& run : catalog.list()) runs.push_back(run.to_json());
    const ServeLimits& most = options.limits;
    send_json(response, 200, {{"runs", runs},
                              {"limits", {{"max_images", most.max_images},
                                          {"max_points", most.max_points},
                                          {"max_steps", most.max_steps},
                                          {"max_body_bytes", most.max_body_bytes},
                                          {"max_image_pixels", most.max_image_pixels},
                                          {"max_evaluations", most.max_evaluations},
                                          {"max_molecules", most.max_molecules},
                                          {"max_episodes", most.max_episodes},
                                          {"max_plan_evaluations", most.max_plan_evaluations}}}});
  });
  server.Get(R"(/api/runs/(.+)/preview)", [&](const httplib::Request& request, httplib::Response& response) {
    const std::optional<ServedRun> run = catalog.find(request.matches[1].str());
    if (!run || run->preview.empty()) return send_error(response, 404, "no such run, or it has no preview grid");
    std::ifstream in(run->preview, std::ios::binary);
    const std::string png((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    response.set_content(png, "image/png");
  });

  server.Get(R"(/api/runs/(.+)/training)", [&](const httplib::Request& request, httplib::Response& response) {
    const std::optional<ServedRun> run = catalog.find(request.matches[1].str());
    if (!run) return send_error(response, 404, "no such run");
    send_json(response, 200, training_log(*run));
  });

  // The forward process of a run, for the page's explorer: q(x_t | x_0) =
  // N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I) (Ho et al. eq. 4), from the
  // run's own schedule, so the page can noise any image to any t itself.
  server.Get(R"(/api/runs/(.+)/schedule)", [&](const httplib::Request& request, httplib::Response& response) {
    const std::optional<ServedRun> run = catalog.find(request.matches[1].str());
    if (!run) return send_error(response, 404, "no such run");
    const NoiseSchedule schedule = NoiseSchedule::from_config(run->config.schedule);
    std::vector<double> alpha_bar(static_cast<size_t>(schedule.num_timesteps()));
    for (int64_t t = 0; t < schedule.num_timesteps(); ++t) alpha_bar[static_cast<size_t>(t)] = schedule.alpha_bar(t);
    send_json(response, 200, {{"kind", to_string(run->config.schedule.kind)},
                              {"timesteps", schedule.num_timesteps()},
                              {"alpha_bar", alpha_bar}});
  });

  server.Post("/api/jobs", [&](const httplib::Request& request, httplib::Response& response) {
    nlohmann::json body;
    try {
      body = nlohmann::json::parse(request.body);
    } catch (const nlohmann::json::exception&) {
      return send_error(response, 400, "the request body is not JSON");
    }
    JobRequest job;
    try {
      job = parse_job_request(body, options.limits);
      runner->check(job);
    } catch (const RequestRefused& e) {
      return send_error(response, e.status, e.what());
    } catch (const Error& e) {
      return send_error(response, 400, e.what());
    }
    try {
      const std::string id = queue.submit(job);
      response.set_header("Location", "/api/jobs/" + id);
      send_json(response, 202, {{"id", id}, {"status", "/api/jobs/" + id}, {"events", "/api/jobs/" + id + "/events"}});
    } catch (const QueueFull& e) {
      response.set_header("Retry-After", "5");
      send_error(response, 503, e.what());
    }
  });

  server.Get(R"(/api/jobs/([0-9a-f]{16}))", [&](const httplib::Request& request, httplib::Response& response) {
    const auto snapshot = queue.snapshot(request.matches[1].str());
    if (!snapshot) return send_error(response, 404, "no such job (finished jobs are kept for a while, then dropped)");
    send_json(response, 200, snapshot->to_json());
  });
  server.Delete(R"(/api/jobs/([0-9a-f]{16}))", [&](const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[1].str();
    if (!queue.cancel(id)) return send_error(response, 404, "no such job");
    const auto snapshot = queue.snapshot(id);  // once: it may be dropped between two looks
    send_json(response, 200, snapshot ? snapshot->to_json() : nlohmann::json{{"id", id}});
  });
  server.Get(R"(/api/jobs/([0-9a-f]{16})/result)", [&](const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[1].str();
    const auto snapshot = queue.snapshot(id);
    if (!snapshot) return send_error(response, 404, "no such job");
    const auto result = queue.result(id);
    if (!result) return send_error(response, 409, "the job is " + to_string(snapshot->state) + ", not done");
    response.set_header("Content-Disposition", "inline; filename=\"" + result->file_name + "\"");
    response.set_content(result->body, result->content_type);
  });
  server.Get(R"(/api/jobs/([0-9a-f]{16})/preview)", [&](const httplib::Request& request, httplib::Response& response) {
    const auto png = queue.preview(request.matches[1].str());
    if (!png) return send_error(response, 404, "no such job, or no picture yet");
    response.set_content(*png, "image/png");
  });
  server.Get(R"(/api/jobs/([0-9a-f]{16})/events)", [&](const httplib::Request& request, httplib::Response& response) {
    const std::string id = request.matches[1].str();
    if (!queue.snapshot(id)) return send_error(response, 404, "no such job");
    if (open_streams.fetch_add(1) >= options.max_streams) {
      open_streams.fetch_sub(1);
      return send_error(response, 429, "too many event streams are open; poll GET /api/jobs/ID instead");
    }
    // Server-Sent Events: a "progress" event on every change, a "preview"
    // event (a PNG as a data URL) when the picture changes, then "end".
    auto seen = std::make_shared<int64_t>(0);
    auto preview_seen = std::make_shared<int64_t>(0);
    response.set_header("X-Accel-Buffering", "no");
    response.set_chunked_content_provider(
        "text/event-stream",
        [&queue, id, seen, preview_seen](size_t, httplib::DataSink& sink) {
          const auto snapshot = queue.wait_for_change(id, *seen, std::chrono::seconds(10));
          if (!snapshot) {
            sink.done();
            return true;
          }
          std::string events;
          if (snapshot->version == *seen) {
            events = ": still here\n\n";  // keeps proxies from closing an idle stream
          } else {
            *seen = snapshot->version;
            events = "event: progress\ndata: " + snapshot->to_json().dump() + "\n\n";
            if (snapshot->preview_version > *preview_seen) {
              if (const auto png = queue.preview(id)) {
                *preview_seen = snapshot->preview_version;
                events += "event: preview\ndata: {\"png\": \"data:image/png;base64," + encode_base64(*png) + "\"}\n\n";
              }
            }
          }
          if (!sink.write(events.data(), events.size())) return false;
          if (snapshot->finished()) {
            const std::string end = "event: end\ndata: " + snapshot->to_json().dump() + "\n\n";
            sink.write(end.data(), end.size());
            sink.done();
          }
          return true;
        },
        [&open_streams](bool) { open_streams.fetch_sub(1); });
  });
  server.Get("/api/health", [&](const httplib::Request&, httplib::Response& response) {
    send_json(response, 200, {{"ok", true}, {"jobs_submitted", queue.jobs_submitted()}});
  });

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.host);
    check(port > 0, "cannot listen on " + options.host + " (any port)");
  } else {
    check(server.bind_to_port(options.host, port),
          "cannot listen on " + options.host + ":" + std::to_string(port) + " (in use, or not an address of this machine)");
  }
  {
    std::lock_guard<std::mutex> lock(g_server_mutex);
    g_server = &server;
  }
  if (options.on_listening) options.on_listening(options.host, port);
  if (!g_stop_requested) server.listen_after_bind();
  std::lock_guard<std::mutex> lock(g_server_mutex);
  g_server = nullptr;
}

}  // namespace diffuse
