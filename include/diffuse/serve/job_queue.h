#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "diffuse/serve/job_request.h"

namespace diffuse {

enum class JobState { kQueued, kRunning, kDone, kFailed, kCancelled };
std::string to_string(JobState state);

// A finished job's output: a PNG for images, CSV for points, SDF for
// molecules, JSON for plans; and a few numbers about it for the job's status
// (a molecule job's scores, a plan's return).
struct JobResult {
  std::string content_type;
  std::string body;
  std::string file_name;  // for Content-Disposition
  nlohmann::json summary;  // null when there is nothing to say
};

// Thrown by a runner that saw JobProgress::cancelled(); the job ends cancelled.
struct JobCancelled : std::runtime_error {
  JobCancelled() : std::runtime_error("cancelled") {}
};

// Thrown by JobQueue::submit when the queue is full (HTTP 503).
struct QueueFull : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a running job tells the queue, and is told.
class JobProgress {
 public:
  virtual ~JobProgress() = default;
  virtual void set_progress(int64_t done, int64_t total) = 0;
  virtual void set_preview(std::string png) = 0;  // an intermediate picture (x0 predicted so far)
  virtual bool cancelled() const = 0;
};

using JobRunner = std::function<JobResult(const JobRequest&, JobProgress&)>;

// A job as a client sees it.
struct JobSnapshot {
  std::string id;
  JobState state = JobState::kQueued;
  int64_t done = 0, total = 0;  // network evaluations
  std::string error;           // a failed job's message
  nlohmann::json summary;      // a done job's JobResult::summary
  JobRequest request;
  int64_t version = 0;          // grows with every change (progress, preview, state)
  int64_t preview_version = 0;  // the version at which the current preview was set; 0: none
  int64_t queue_position = 0;   // jobs ahead of a queued one
  double seconds_queued = 0, seconds_running = 0;

  bool finished() const { return state == JobState::kDone || state == JobState::kFailed || state == JobState::kCancelled; }
  nlohmann::json to_json() const;
};

struct JobQueueOptions {
  int workers = 1;        // jobs run at once
  int max_queued = 32;    // waiting jobs beyond which submit() refuses
  int max_finished = 64;  // finished jobs (with their results) kept; the oldest go first
};

// A bounded queue of generation jobs run by a fixed pool of worker threads.
// Memory is bounded: at most workers + max_queued jobs in flight, and
// max_finished finished ones with their results.
class JobQueue {
 public:
  JobQueue(JobRunner runner, JobQueueOptions options);
  ~JobQueue();  // cancels what runs, drops what waits, joins the workers
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  std::string submit(const JobRequest& request);  // the new job's id; QueueFull when full
  std::optional<JobSnapshot> snapshot(const std::string& id) const;
  std::optional<JobResult> result(const std::string& id) const;  // a done job's
  std::optional<std::string> preview(const std::string& id) const;
  // Cancels a queued or running job; false for an unknown id. A finished job stays as it was.
  bool cancel(const std::string& id);
  // The job once its version exceeds `seen` (or at the timeout, as it is); nullopt: unknown id.
  std::optional<JobSnapshot> wait_for_change(const std::string& id, int64_t seen, std::chrono::milliseconds timeout) const;
  int64_t jobs_submitted() const { return submitted_.load(); }

 private:
  struct Job;
  class Progress;
  void work();
  JobSnapshot snapshot_of(const Job& job) const;  // under the lock
  void evict_finished();                           // under the lock

  JobRunner runner_;
  JobQueueOptions options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::condition_variable work_ready_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::shared_ptr<Job>> waiting_;
  std::deque<std::string> finished_order_;
  bool stopping_ = false;
  std::atomic<int64_t> submitted_{0};
  std::vector<std::thread> workers_;
};

}  // namespace diffuse
