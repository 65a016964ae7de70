#include "diffuse/serve/job_queue.h"

#include <algorithm>
#include <cstdio>
#include <sys/random.h>

#include "diffuse/util/error.h"

namespace diffuse {

using Clock = std::chrono::steady_clock;

std::string to_string(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
    case JobState::kCancelled: return "cancelled";
  }
  return "unknown";
}

nlohmann::json JobSnapshot::to_json() const {
  nlohmann::json j = {{"id", id},
                      {"state", to_string(state)},
                      {"progress", total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0},
                      {"evaluations", done},
                      {"total_evaluations", total},
                      {"request", request.to_json()},
                      {"seconds_queued", seconds_queued},
                      {"seconds_running", seconds_running}};
  if (state == JobState::kQueued) j["queue_position"] = queue_position;
  if (state == JobState::kFailed) j["error"] = error;
  if (state == JobState::kDone) j["result"] = "/api/jobs/" + id + "/result";
  if (!summary.is_null()) j["summary"] = summary;
  if (preview_version > 0) j["preview"] = "/api/jobs/" + id + "/preview";
  return j;
}

struct JobQueue::Job {
  std::string id;
  JobRequest request;
  JobState state = JobState::kQueued;
  int64_t done = 0, total = 0;
  std::string error;
  std::string preview;
  int64_t version = 1, preview_version = 0;
  std::optional<JobResult> result;
  std::atomic<bool> cancel{false};
  Clock::time_point created = Clock::now(), started, finished;
};

class JobQueue::Progress final : public JobProgress {
 public:
  Progress(JobQueue& queue, Job& job) : queue_(queue), job_(job) {}
  void set_progress(int64_t done, int64_t total) override {
    {
      std::lock_guard<std::mutex> lock(queue_.mutex_);
      job_.done = done;
      job_.total = total;
      ++job_.version;
    }
    queue_.changed_.notify_all();
  }
  void set_preview(std::string png) override {
    {
      std::lock_guard<std::mutex> lock(queue_.mutex_);
      job_.preview = std::move(png);
      job_.preview_version = ++job_.version;
    }
    queue_.changed_.notify_all();
  }
  bool cancelled() const override { return job_.cancel.load(); }

 private:
  JobQueue& queue_;
  Job& job_;
};

namespace {

// 16 hex digits, each id drawn from the kernel's random source (no
// generator whose state other ids would reveal): ids cannot be guessed.
std::string new_job_id() {
  std::uint64_t value = 0;
  check(::getrandom(&value, sizeof value, 0) == static_cast<ssize_t>(sizeof value), "cannot draw a job id (getrandom)");
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

JobQueue::JobQueue(JobRunner runner, JobQueueOptions options) : runner_(std::move(runner)), options_(options) {
  check(options_.workers >= 1 && options_.max_queued >= 0 && options_.max_finished >= 1, "JobQueue: bad options");
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
}

JobQueue::~JobQueue() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (auto& [id, job] : jobs_) job->cancel = true;
  }
  work_ready_.notify_all();
  changed_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

std::string JobQueue::submit(const JobRequest& request) {
  std::string id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (static_cast<int>(waiting_.size()) >= options_.max_queued) {
      throw QueueFull(std::to_string(waiting_.size()) + " jobs are waiting already; try again when some have finished");
    }
    auto job = std::make_shared<Job>();
    do {
      job->id = new_job_id();
    } while (jobs_.count(job->id) > 0);
    job->request = request;
    id = job->id;
    jobs_[id] = job;
    waiting_.push_back(std::move(job));
    ++submitted_;
  }
  work_ready_.notify_one();
  changed_.notify_all();  // queue positions moved
  return id;
}

JobSnapshot JobQueue::snapshot_of(const Job& job) const {
  JobSnapshot s;
  s.id = job.id;
  s.state = job.state;
  s.done = job.done;
  s.total = job.total;
  s.error = job.error;
  if (job.result) s.summary = job.result->summary;
  s.request = job.request;
  s.version = job.version;
  s.preview_version = job.preview_version;
  if (job.state == JobState::kQueued) {
    for (const auto& waiting : waiting_) {
      if (waiting.get() == &job) break;
      ++s.queue_position;
    }
  }
  const Clock::time_point now = Clock::now();
  const bool started = job.state != JobState::kQueued && job.started != Clock::time_point{};
  s.seconds_queued = seconds_between(job.created, started ? job.started : (s.finished() ? job.finished : now));
  if (started) s.seconds_running = seconds_between(job.started, s.finished() ? job.finished : now);
  return s;
}

std::optional<JobSnapshot> JobQueue::snapshot(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = jobs_.find(id);
  if (found == jobs_.end()) return std::nullopt;
  return snapshot_of(*found->second);
}

std::optional<JobResult> JobQueue::result(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = jobs_.find(id);
  if (found == jobs_.end() || !found->second->result) return std::nullopt;
  return found->second->result;
}

std::optional<std::string> JobQueue::preview(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = jobs_.find(id);
  if (found == jobs_.end() || found->second->preview.empty()) return std::nullopt;
  return found->second->preview;
}

bool JobQueue::cancel(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = jobs_.find(id);
    if (found == jobs_.end()) return false;
    Job& job = *found->second;
    if (job.state == JobState::kQueued) {
      waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), found->second), waiting_.end());
      job.state = JobState::kCancelled;
      job.request.drop_uploads();
      job.finished = Clock::now();
      ++job.version;
      finished_order_.push_back(id);
      evict_finished();
    } else if (job.state == JobState::kRunning) {
      job.cancel = true;  // the runner stops at its next step
    }
  }
  changed_.notify_all();
  return true;
}

std::optional<JobSnapshot> JobQueue::wait_for_change(const std::string& id, int64_t seen,
                                                     std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto found = jobs_.find(id);
    if (found == jobs_.end()) return std::nullopt;
    if (found->second->version > seen || stopping_ || changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      const auto again = jobs_.find(id);
      if (again == jobs_.end()) return std::nullopt;
      return snapshot_of(*again->second);
    }
  }
}

void JobQueue::evict_finished() {
  while (static_cast<int>(finished_order_.size()) > options_.max_finished) {
    jobs_.erase(finished_order_.front());
    finished_order_.pop_front();
  }
}

void JobQueue::work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (stopping_) return;
      job = waiting_.front();
      waiting_.pop_front();
      job->state = JobState::kRunning;
      job->started = Clock::now();
      ++job->version;
    }
    changed_.notify_all();
    Progress progress(*this, *job);
    JobState end = JobState::kDone;
    std::string error;
    std::optional<JobResult> result;
    try {
      result = runner_(job->request, progress);
    } catch (const JobCancelled&) {
      end = JobState::kCancelled;
    } catch (const std::exception& e) {
      end = JobState::kFailed;
      error = first_line(e);
    }
    if (end == JobState::kDone && job->cancel) end = JobState::kCancelled;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job->state = end;
      job->error = error;
      if (end == JobState::kDone) job->result = std::move(result);
      job->request.drop_uploads();
      job->finished = Clock::now();
      ++job->version;
      finished_order_.push_back(job->id);
      evict_finished();
    }
    changed_.notify_all();
  }
}

}  // namespace diffuse
