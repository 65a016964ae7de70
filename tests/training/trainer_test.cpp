#include "diffuse/training/trainer.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "diffuse/io/checkpoint.h"
#include "diffuse/io/image.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/io/safetensors.h"
#include "diffuse/models/unet.h"
#include "diffuse/trained_model.h"
#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

// A folder of small real PNG files and a tiny U-Net with dropout, so resume
// has to restore the data order, the noise, the dropout masks, Adam and EMA.
RunConfig tiny_image_run(const std::string& image_dir) {
  torch::manual_seed(123);
  for (int i = 0; i < 10; ++i) {
    save_png(image_dir + "/img" + std::to_string(i) + ".png", torch::rand({1, 12, 12}) * 2 - 1);
  }
  RunConfig config;
  UNetConfig unet;
  unet.image_size = 8;
  unet.ch = 8;
  unet.ch_mult = {1, 2};
  unet.num_res_blocks = 1;
  unet.attn_resolutions = {4};
  unet.num_groups = 4;
  unet.dropout = 0.2;
  config.model = unet;
  config.schedule.num_timesteps = 50;
  config.data.spec = "images:" + image_dir;
  config.data.random_flip = true;
  config.training.steps = 12;
  config.training.batch_size = 4;
  config.training.warmup_steps = 5;
  config.training.ema_decay = 0.9;
  config.training.log_every = 2;
  config.training.checkpoint_every = 5;
  config.training.sample_every = 6;
  config.training.preview_samples = 4;
  config.training.preview_steps = 5;
  config.training.seed = 42;
  return config;
}

// metrics.jsonl minus the wall-clock field, which is the only one allowed to differ.
std::vector<nlohmann::json> metrics_without_time(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) {
    nlohmann::json entry = nlohmann::json::parse(line);
    entry.erase("elapsed_seconds");
    lines.push_back(entry);
  }
  return lines;
}

void expect_same_tensors(const std::string& a, const std::string& b) {
  const TensorFile x = load_safetensors(a), y = load_safetensors(b);
  ASSERT_EQ(x.tensors.size(), y.tensors.size());
  for (const auto& [name, tensor] : x.tensors) {
    ASSERT_TRUE(y.tensors.count(name)) << name;
    EXPECT_TRUE(torch::equal(tensor, y.tensors.at(name))) << name << " differs between " << a << " and " << b;
  }
}

TEST(Trainer, ResumedRunEqualsUninterruptedRunBitForBit) {
  const std::string root = testing::temporary_directory("resume");
  const RunConfig config = tiny_image_run(root);
  {
    Trainer trainer = Trainer::create(config, root + "/straight");
    const TrainReport report = trainer.run(nullptr, false);
    EXPECT_EQ(report.last_step, 12);
  }
  {
    RunConfig first_half = config;
    first_half.training.steps = 7;  // stops between checkpoints: the end-of-run checkpoint must be exact too
    Trainer trainer = Trainer::create(first_half, root + "/resumed");
    trainer.run(nullptr, false);
  }
  torch::manual_seed(999);  // disturb the global generator: resume must restore it
  {
    Trainer trainer = Trainer::resume(root + "/resumed", ResumeOptions{12});
    EXPECT_EQ(trainer.step(), 7);
    trainer.run(nullptr, false);
  }
  expect_same_tensors(root + "/straight/model.safetensors", root + "/resumed/model.safetensors");
  expect_same_tensors(root + "/straight/ema.safetensors", root + "/resumed/ema.safetensors");
  expect_same_tensors(root + "/straight/checkpoint.safetensors", root + "/resumed/checkpoint.safetensors");
  EXPECT_EQ(metrics_without_time(root + "/straight/metrics.jsonl"), metrics_without_time(root + "/resumed/metrics.jsonl"));
}

TEST(Trainer, StopRequestWritesACheckpointThatResumes) {
  const std::string root = testing::temporary_directory("stop");
  const RunConfig config = tiny_image_run(root);
  std::atomic<bool> stop{true};
  Trainer trainer = Trainer::create(config, root + "/run");
  const TrainReport report = trainer.run(&stop, false);
  EXPECT_TRUE(report.interrupted);
  EXPECT_EQ(report.last_step, 0);
  EXPECT_EQ(Trainer::resume(root + "/run").step(), 0);
}

TEST(Trainer, RunDirectoryHoldsEverythingSamplingNeeds) {
  const std::string root = testing::temporary_directory("files");
  Trainer trainer = Trainer::create(tiny_image_run(root), root + "/run");
  trainer.run(nullptr, false);
  const RunDirectory run(root + "/run");
  for (const std::string& path : {run.config_path(), run.model_path(), run.ema_path(), run.checkpoint_path(),
                                  run.metrics_path(), run.loss_plot_path(), run.samples_directory() + "/step_0000006.png",
                                  run.samples_directory() + "/step_0000012.png"}) {
    EXPECT_TRUE(std::filesystem::exists(path)) << path;
  }
  // The weights load back into a model built from config.json alone.
  const TrainedModel model = load_trained_model(root + "/run");
  EXPECT_TRUE(torch::equal(state_of(*model.network).begin()->second, trainer.ema().weights().begin()->second));
  // metrics.jsonl: one line per log interval.
  std::ifstream metrics(run.metrics_path());
  int lines = 0;
  for (std::string line; std::getline(metrics, line);) ++lines;
  EXPECT_EQ(lines, 6);
}

TEST(Trainer, RefusesToOverwriteARunAndReportsMismatchedWeights) {
  const std::string root = testing::temporary_directory("overwrite");
  RunConfig config = tiny_image_run(root);
  config.training.steps = 1;
  Trainer::create(config, root + "/run").run(nullptr, false);
  EXPECT_THROW(Trainer::create(config, root + "/run"), Error);
  // A weights file from another architecture is rejected with the names that differ.
  UNet other{UNetConfig{}};
  save_weights(root + "/run/ema.safetensors", other);
  try {
    load_trained_model(root + "/run");
    FAIL() << "mismatched weights were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the model"), std::string::npos) << e.what();
  }
}

TEST(Trainer, CorruptCheckpointGivesAClearError) {
  const std::string root = testing::temporary_directory("corrupt");
  RunConfig config = tiny_image_run(root);
  config.training.steps = 1;
  Trainer::create(config, root + "/run").run(nullptr, false);
  const std::string checkpoint = root + "/run/checkpoint.safetensors";
  std::filesystem::resize_file(checkpoint, std::filesystem::file_size(checkpoint) / 2);
  EXPECT_THROW(Trainer::resume(root + "/run"), Error);
}

}  // namespace
}  // namespace diffuse
