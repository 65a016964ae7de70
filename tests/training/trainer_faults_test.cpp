// The Trainer under faults: NaN/Inf steps, damaged checkpoints, a full disk
// and an unwritable output directory. Nothing may be lost.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/io/run_directory.h"
#include "diffuse/io/safetensors.h"
#include "diffuse/training/trainer.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

RunConfig small_toy_run(int64_t steps) {
  RunConfig config = preset_config("toy2d");
  config.data.spec = "toy2d:moons";
  config.training.steps = steps;
  config.training.batch_size = 32;
  config.training.checkpoint_every = 5;
  config.training.log_every = 5;
  config.training.sample_every = 0;
  config.training.max_bad_steps = 3;
  config.training.seed = 5;
  return config;
}

// A fault as training meets one: a weight that has become NaN, so every
// loss from here on is NaN.
void poison_a_weight(Trainer& trainer) {
  torch::NoGradGuard no_grad;
  trainer.network().parameters().front().view(-1)[0].fill_(std::numeric_limits<float>::quiet_NaN());
}

bool all_finite(const std::map<std::string, torch::Tensor>& tensors) {
  for (const auto& [name, tensor] : tensors) {
    if (!torch::isfinite(tensor).all().item<bool>()) return false;
  }
  return true;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TrainerFaults, SkipsNonFiniteStepsThenStopsWithTheLastCheckpointIntact) {
  const std::string dir = testing::temporary_directory("nan_stop") + "/run";
  Trainer::create(small_toy_run(10), dir).run(nullptr, false);
  Trainer trainer = Trainer::resume(dir, ResumeOptions{20});
  poison_a_weight(trainer);
  const std::string error = error_of([&] { trainer.run(nullptr, false); });
  EXPECT_NE(error.find("3 training steps in a row had a NaN/Inf loss or gradient"), std::string::npos) << error;
  EXPECT_NE(error.find("the checkpoint at step 10"), std::string::npos) << error;
  EXPECT_EQ(trainer.skipped_steps(), 3);
  EXPECT_EQ(trainer.step(), 10);  // skipped steps are not steps
  // What is on disk is the good checkpoint, and it resumes.
  const TensorFile checkpoint = load_safetensors(RunDirectory(dir).checkpoint_path());
  EXPECT_EQ(checkpoint.metadata.at("step"), "10");
  EXPECT_TRUE(all_finite(checkpoint.tensors));
  EXPECT_EQ(Trainer::resume(dir).step(), 10);
}

TEST(TrainerFaults, ANonFiniteFirstStepAdvisesWhatWorksWithoutACheckpoint) {
  const std::string dir = testing::temporary_directory("nan_first_step") + "/run";
  Trainer trainer = Trainer::create(small_toy_run(10), dir);
  poison_a_weight(trainer);
  const std::string error = error_of([&] { trainer.run(nullptr, false); });
  EXPECT_NE(error.find("no checkpoint had been written yet"), std::string::npos) << error;
  // --resume has nothing to resume from here: the advice must not send the user there.
  EXPECT_EQ(error.find("--resume"), std::string::npos) << error;
  EXPECT_NE(error.find("lower --lr (nothing was saved, so the same --out will do)"), std::string::npos) << error;
  EXPECT_NO_THROW(Trainer::create(small_toy_run(10), dir));  // and the same --out does
}

TEST(TrainerFaults, ResumingToFewerStepsThanTheRunHasIsRefusedAndChangesNothing) {
  const std::string dir = testing::temporary_directory("resume_fewer") + "/run";
  Trainer::create(small_toy_run(10), dir).run(nullptr, false);
  const auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string config_before = read(RunDirectory(dir).config_path());
  const std::string error = error_of([&] { Trainer::resume(dir, ResumeOptions{4}); });
  EXPECT_NE(error.find("is already at step 10: --steps 4 would train nothing"), std::string::npos) << error;
  EXPECT_EQ(read(RunDirectory(dir).config_path()), config_before);
  EXPECT_EQ(Trainer::resume(dir, ResumeOptions{10}).step(), 10);  // as many steps as it has: nothing to do, no error
}

TEST(TrainerFaults, ARunThatCannotStartLeavesNoDirectoryBehind) {
  const std::string parent = testing::temporary_directory("failed_start");
  RunConfig config = small_toy_run(10);
  config.data.spec = "toy2d:no-such-distribution";
  EXPECT_THROW(Trainer::create(config, parent + "/run"), Error);
  EXPECT_FALSE(std::filesystem::exists(parent + "/run"));
  // A directory the user made is theirs: it stays.
  std::filesystem::create_directories(parent + "/mine");
  EXPECT_THROW(Trainer::create(config, parent + "/mine"), Error);
  EXPECT_TRUE(std::filesystem::is_directory(parent + "/mine"));
}

TEST(TrainerFaults, RollbackReloadsTheLastCheckpointWithALowerLearningRate) {
  const std::string dir = testing::temporary_directory("nan_rollback") + "/run";
  RunConfig config = small_toy_run(10);
  config.training.on_non_finite = NonFiniteAction::kRollback;
  Trainer::create(config, dir).run(nullptr, false);
  Trainer trainer = Trainer::resume(dir, ResumeOptions{20});
  poison_a_weight(trainer);
  const TrainReport report = trainer.run(nullptr, false);
  EXPECT_EQ(report.last_step, 20);
  EXPECT_EQ(report.rollbacks, 1);
  EXPECT_EQ(report.skipped_steps, 3);
  EXPECT_DOUBLE_EQ(trainer.learning_rate_scale(), 0.5);
  EXPECT_TRUE(all_finite(load_safetensors(RunDirectory(dir).model_path()).tensors));
  // The rollback is part of the run's state: a resumed run keeps the lower rate.
  EXPECT_DOUBLE_EQ(Trainer::resume(dir).learning_rate_scale(), 0.5);
}

TEST(TrainerFaults, ADamagedLatestCheckpointFallsBackToThePreviousOne) {
  const std::string dir = testing::temporary_directory("damaged") + "/run";
  Trainer::create(small_toy_run(10), dir).run(nullptr, false);
  const RunDirectory run(dir);
  ASSERT_TRUE(std::filesystem::exists(run.previous_checkpoint_path()));
  EXPECT_EQ(load_safetensors(run.previous_checkpoint_path()).metadata.at("step"), "5");
  {  // one flipped bit in the middle of the latest checkpoint
    std::fstream file(run.checkpoint_path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(std::filesystem::file_size(run.checkpoint_path()) / 2));
    const char byte = static_cast<char>(file.peek());
    file.seekp(file.tellg());
    file.put(static_cast<char>(byte ^ 0x04));
  }
  Trainer trainer = Trainer::resume(dir, ResumeOptions{10});
  EXPECT_EQ(trainer.step(), 5);
  trainer.run(nullptr, false);  // redoes steps 6-10 and writes a good checkpoint again
  EXPECT_EQ(load_safetensors(run.checkpoint_path()).metadata.at("step"), "10");

  // Both damaged: a clear error naming both reasons, nothing guessed.
  std::filesystem::resize_file(run.checkpoint_path(), 100);
  std::filesystem::resize_file(run.previous_checkpoint_path(), 100);
  const std::string error = error_of([&] { Trainer::resume(dir); });
  EXPECT_NE(error.find("no readable checkpoint in " + dir), std::string::npos) << error;
  EXPECT_NE(error.find("checkpoint.previous.safetensors"), std::string::npos) << error;
}

// The previous checkpoint reads back whole but does not restore (a tensor is
// missing): the error names the file whose contents are wrong, not the latest.
TEST(TrainerFaults, AnErrorInThePreviousCheckpointNamesThatFile) {
  const std::string dir = testing::temporary_directory("previous_contents") + "/run";
  Trainer::create(small_toy_run(10), dir).run(nullptr, false);
  const RunDirectory run(dir);
  TensorFile previous = load_safetensors(run.previous_checkpoint_path());
  ASSERT_EQ(previous.tensors.erase("rng.global"), 1u);
  save_safetensors(run.previous_checkpoint_path(), previous);
  std::filesystem::resize_file(run.checkpoint_path(), 100);
  const std::string error = error_of([&] { Trainer::resume(dir); });
  EXPECT_NE(error.find(run.previous_checkpoint_path() + ": checkpoint has no tensor 'rng.global'"), std::string::npos)
      << error;
}

// A file-size limit makes every larger write fail as on a full disk (EFBIG
// instead of ENOSPC, through the same code path).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    previous_handler_ = ::signal(SIGXFSZ, SIG_IGN);  // fail the write with EFBIG, do not kill the process
    ::getrlimit(RLIMIT_FSIZE, &previous_);
    rlimit limit = previous_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &previous_);
    ::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit previous_{};
  sighandler_t previous_handler_;
};

TEST(TrainerFaults, AFullDiskIsAClearErrorAndThePreviousCheckpointSurvives) {
  const std::string dir = testing::temporary_directory("full") + "/run";
  Trainer::create(small_toy_run(5), dir).run(nullptr, false);
  const RunDirectory run(dir);
  const auto good_size = std::filesystem::file_size(run.checkpoint_path());
  Trainer trainer = Trainer::resume(dir, ResumeOptions{10});
  std::string error;
  {
    const FileSizeLimit limit(4096);
    error = error_of([&] { trainer.run(nullptr, false); });
  }
  EXPECT_NE(error.find("cannot write " + run.checkpoint_path()), std::string::npos) << error;
  EXPECT_NE(error.find("the one of step 5 is intact"), std::string::npos) << error;
  EXPECT_EQ(std::filesystem::file_size(run.checkpoint_path()), good_size);
  EXPECT_EQ(load_safetensors(run.checkpoint_path()).metadata.at("step"), "5");
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << "left behind: " << entry.path();
  }
  EXPECT_EQ(Trainer::resume(dir).step(), 5);
}

TEST(TrainerFaults, AnUnwritableOutputDirectoryFailsBeforeTraining) {
  const std::string root = testing::temporary_directory("unwritable");
  testing::write_bytes(root + "/a_file", "x");
  const std::string error = error_of([&] { Trainer::create(small_toy_run(5), root + "/a_file/run"); });
  EXPECT_NE(error.find("cannot create directory " + root + "/a_file/run"), std::string::npos) << error;
  if (::geteuid() == 0) GTEST_SKIP() << "permissions do not bind root; the read-only case runs as a normal user";
  std::filesystem::create_directories(root + "/readonly");
  std::filesystem::permissions(root + "/readonly", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  const std::string readonly = error_of([&] { Trainer::create(small_toy_run(5), root + "/readonly"); });
  EXPECT_NE(readonly.find("cannot write to " + root + "/readonly: Permission denied"), std::string::npos) << readonly;
  std::filesystem::permissions(root + "/readonly", std::filesystem::perms::owner_all);
}

}  // namespace
}  // namespace diffuse
