#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "diffuse/serve/job_queue.h"
#include "diffuse/serve/job_request.h"
#include "diffuse/serve/run_catalog.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

void expect_refused(const std::string& body, const std::string& naming) {
  try {
    parse_job_request(nlohmann::json::parse(body), ServeLimits{});
    ADD_FAILURE() << body << " was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(naming), std::string::npos) << e.what();
  }
}

TEST(JobRequest, ReadsEveryFieldAndDefaultsTheRest) {
  const JobRequest request = parse_job_request(
      nlohmann::json::parse(R"({"run": "a/b", "num": 4, "sampler": "heun", "steps": 10, "seed": 7, "temperature": 0.5,
                                "class": 3, "guidance": 2})"),
      ServeLimits{});
  EXPECT_EQ(request.run, "a/b");
  EXPECT_EQ(request.num, 4);
  EXPECT_EQ(request.sampler, "heun");
  EXPECT_EQ(request.steps, 10);
  EXPECT_EQ(request.seed, 7u);
  EXPECT_EQ(request.temperature, 0.5);
  EXPECT_EQ(request.class_label.value(), 3);
  EXPECT_EQ(request.guidance.value(), 2.0);
  const JobRequest defaults = parse_job_request(nlohmann::json::parse(R"({"run": "x"})"), ServeLimits{});
  EXPECT_EQ(defaults.sampler, "ddim");
  EXPECT_FALSE(defaults.class_label.has_value());
  EXPECT_EQ(parse_job_request(defaults.to_json(), ServeLimits{}).to_json(), defaults.to_json());
  // Molecule runs and planners: their own fields, read back as given.
  const JobRequest planner =
      parse_job_request(nlohmann::json::parse(R"({"run": "p", "goal": "random", "replan": 32, "atoms": 9})"), ServeLimits{});
  EXPECT_EQ(planner.goal, "random");
  EXPECT_EQ(planner.replan, 32);
  EXPECT_EQ(planner.atoms.value(), 9);
  EXPECT_EQ(parse_job_request(planner.to_json(), ServeLimits{}).to_json(), planner.to_json());
}

TEST(JobRequest, RefusesWhatCouldHurtTheServer) {
  expect_refused("[1, 2]", "JSON object");
  expect_refused(R"({"num": 4})", "\"run\"");
  expect_refused(R"({"run": ""})", "\"run\"");
  expect_refused(R"({"run": 5})", "\"run\"");
  expect_refused(R"({"run": "x", "num": 100000000})", "\"num\"");
  expect_refused(R"({"run": "x", "num": 0})", "\"num\"");
  expect_refused(R"({"run": "x", "num": 2.5})", "\"num\"");
  expect_refused(R"({"run": "x", "steps": 1000000})", "\"steps\"");
  expect_refused(R"({"run": "x", "steps": "50"})", "\"steps\"");
  expect_refused(R"({"run": "x", "temperature": 1e308})", "\"temperature\"");
  expect_refused(R"({"run": "x", "temperature": -1})", "\"temperature\"");
  expect_refused(R"({"run": "x", "seed": -3})", "\"seed\"");
  expect_refused(R"({"run": "x", "sampler": "magic"})", "unknown sampler");
  expect_refused(R"({"run": "x", "guidance": 2})", "needs a \"class\"");
  expect_refused(R"({"run": "x", "class": -1})", "\"class\"");
  expect_refused(R"({"run": "x", "shell": "rm -rf /"})", "unknown field \"shell\"");
  expect_refused(R"({"run": "x", "goal": "anywhere"})", "unknown goal");
  expect_refused(R"({"run": "x", "atoms": 0})", "\"atoms\"");
  expect_refused(R"({"run": "x", "replan": -1})", "\"replan\"");
}

// A run directory: config.json (a toy2d preset's) and weights.
void make_run(const std::filesystem::path& directory) {
  std::filesystem::create_directories(directory);
  RunConfig config = preset_config("toy2d");
  config.data.spec = "toy2d:moons";
  std::ofstream(directory / "config.json") << run_config_to_json(config).dump();
  std::ofstream(directory / "ema.safetensors") << "weights";
}

TEST(RunCatalog, OffersRunsTwoLevelsDeepAndNothingOutside) {
  const std::filesystem::path temp = testing::temporary_directory("run_catalog");
  const std::filesystem::path root = temp / "runs";
  make_run(root / "moons");
  make_run(root / "group" / "inner");
  make_run(temp / "outside");
  std::filesystem::create_directories(root / "empty");
  std::filesystem::create_directory_symlink(temp / "outside", root / "link");
  std::ofstream(root / "broken.json") << "{";
  make_run(root / "damaged");
  std::ofstream(root / "damaged" / "config.json") << "{ not json";
  // A preview that is a link out of the runs is not offered.
  std::filesystem::create_directories(root / "moons" / "samples");
  std::ofstream(temp / "secret.png") << "secret";
  std::filesystem::create_symlink(temp / "secret.png", root / "moons" / "samples" / "step_0000001.png");
  const RunCatalog catalog(root.string());
  std::vector<std::string> names;
  for (const ServedRun& run : catalog.list()) names.push_back(run.name);
  EXPECT_EQ(names, (std::vector<std::string>{"group/inner", "moons"}));
  EXPECT_EQ(catalog.find("moons")->kind, "points");
  EXPECT_EQ(catalog.find("moons")->preview, "");
  EXPECT_TRUE(catalog.find("group/inner").has_value());
  for (const std::string& hostile : {"../outside", "link", "/etc", "moons/..", "group", "", "moons/../moons", "damaged"}) {
    EXPECT_FALSE(catalog.find(hostile).has_value()) << hostile;
  }
  EXPECT_THROW(RunCatalog((temp / "missing").string()), Error);
}

// Jobs that count to their "num" in steps of 10 ms, as a sampler would.
JobResult counting_job(const JobRequest& request, JobProgress& progress) {
  for (int64_t i = 1; i <= request.num; ++i) {
    if (progress.cancelled()) throw JobCancelled();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    progress.set_progress(i, request.num);
  }
  if (request.sampler == "fail") throw Error("asked to fail");
  return JobResult{"text/plain", std::to_string(request.num), "n.txt"};
}

JobSnapshot wait_until_finished(const JobQueue& queue, const std::string& id) {
  int64_t seen = 0;
  for (;;) {
    const auto snapshot = queue.wait_for_change(id, seen, std::chrono::seconds(10));
    if (!snapshot || snapshot->finished()) return snapshot.value();
    EXPECT_GT(snapshot->version, seen) << "woke without a change before the timeout";
    seen = snapshot->version;
  }
}

// Waits for the worker to take the job: on a loaded machine that may take
// longer than any fixed sleep. False if it has not within a minute.
bool taken_by_worker(const JobQueue& queue, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  int64_t seen = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto snapshot = queue.wait_for_change(id, seen, std::chrono::seconds(10));
    if (!snapshot) return false;
    if (snapshot->state != JobState::kQueued) return true;
    seen = snapshot->version;
  }
  return false;
}

TEST(JobQueue, RunsJobsInOrderAndKeepsTheirResults) {
  JobQueue queue(counting_job, JobQueueOptions{1, 8, 8});
  JobRequest request;
  request.num = 5;
  const std::string first = queue.submit(request);
  request.num = 3;
  const std::string second = queue.submit(request);
  EXPECT_EQ(first.size(), 16u);
  EXPECT_NE(first, second);
  const JobSnapshot done = wait_until_finished(queue, second);
  EXPECT_EQ(done.state, JobState::kDone);
  EXPECT_EQ(done.done, 3);
  EXPECT_EQ(queue.result(second)->body, "3");
  EXPECT_EQ(queue.snapshot(first)->state, JobState::kDone);  // one worker: the first ran first
  EXPECT_EQ(queue.result(first)->body, "5");
  EXPECT_FALSE(queue.snapshot("0123456789abcdef").has_value());
}

TEST(JobQueue, CancelsQueuedAndRunningJobsAndReportsFailures) {
  JobQueue queue(counting_job, JobQueueOptions{1, 8, 8});
  JobRequest request;
  request.num = 1000;  // 10 s unless cancelled
  const std::string running = queue.submit(request);
  const std::string queued = queue.submit(request);
  ASSERT_TRUE(taken_by_worker(queue, running));
  EXPECT_EQ(queue.snapshot(queued)->queue_position, 0);  // the first is running, none ahead
  EXPECT_TRUE(queue.cancel(queued));
  EXPECT_EQ(queue.snapshot(queued)->state, JobState::kCancelled);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(queue.cancel(running));
  EXPECT_EQ(wait_until_finished(queue, running).state, JobState::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_FALSE(queue.result(running).has_value());
  EXPECT_FALSE(queue.cancel("0123456789abcdef"));
  request.num = 2;
  request.sampler = "fail";
  const std::string failing = queue.submit(request);
  const JobSnapshot failed = wait_until_finished(queue, failing);
  EXPECT_EQ(failed.state, JobState::kFailed);
  EXPECT_EQ(failed.error, "asked to fail");
}

TEST(JobQueue, IsBoundedInWaitingAndFinishedJobs) {
  JobQueue queue(counting_job, JobQueueOptions{1, 2, 3});
  JobRequest request;
  request.num = 1000;  // 10 s unless cancelled: still running however slowly the test goes on
  std::vector<std::string> ids{queue.submit(request)};
  ASSERT_TRUE(taken_by_worker(queue, ids[0]));
  request.num = 30;
  ids.push_back(queue.submit(request));
  ids.push_back(queue.submit(request));
  EXPECT_THROW(queue.submit(request), QueueFull);
  EXPECT_TRUE(queue.cancel(ids[0]));
  wait_until_finished(queue, ids.back());
  request.num = 1;
  for (int i = 0; i < 3; ++i) {  // one at a time: a busy machine may leave the worker slow to take each
    ids.push_back(queue.submit(request));
    wait_until_finished(queue, ids.back());
  }
  // Six finished, three kept: the oldest are gone.
  EXPECT_FALSE(queue.snapshot(ids[0]).has_value());
  EXPECT_TRUE(queue.snapshot(ids[5]).has_value());
  EXPECT_EQ(queue.jobs_submitted(), 6);
}

}  // namespace
}  // namespace diffuse
