#include "diffuse/run_config.h"

#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

TEST(RunConfig, RoundTripsThroughJson) {
  for (const auto& name : preset_names()) {
    RunConfig config = preset_config(name);
    config.data.spec = "toy2d:moons";
    config.prediction = Prediction::kV;
    config.schedule.kind = ScheduleKind::kCosine;
    config.sampling.variance = ReverseVariance::kBeta;
    config.training.seed = 77;
    const RunConfig back = run_config_from_json(run_config_to_json(config));
    EXPECT_EQ(run_config_to_json(back), run_config_to_json(config)) << name;
    EXPECT_EQ(back.data.spec, "toy2d:moons");
    EXPECT_EQ(back.prediction, Prediction::kV);
    EXPECT_EQ(back.schedule.kind, ScheduleKind::kCosine);
    EXPECT_EQ(back.sampling.variance, ReverseVariance::kBeta);
    EXPECT_EQ(back.training.seed, 77u);
    EXPECT_EQ(back.training.batch_size, preset_config(name).training.batch_size);
    EXPECT_EQ(back.model->type(), config.model->type());
    EXPECT_EQ(back.data.random_crops, preset_config(name).data.random_crops) << name;
  }
  EXPECT_TRUE(preset_config("photo-grey").data.random_crops);
}

TEST(RunConfig, ConditionalRunsKeepTheirClasses) {
  RunConfig config = preset_config("toy2d");
  config.data.conditional = true;
  config.data.class_names = {"upper moon", "lower moon"};
  config.model->num_classes = 2;
  config.training.label_dropout = 0.2;
  const RunConfig back = run_config_from_json(run_config_to_json(config));
  EXPECT_TRUE(back.data.conditional);
  EXPECT_EQ(back.data.class_names, config.data.class_names);
  EXPECT_EQ(back.model->num_classes, 2);
  EXPECT_DOUBLE_EQ(back.training.label_dropout, 0.2);
  // Classes without the flag, names that do not match the classes, dropout outside [0, 1]: refused.
  nlohmann::json j = run_config_to_json(config);
  j["data"]["conditional"] = false;
  EXPECT_THROW(run_config_from_json(j), Error);
  j = run_config_to_json(config);
  j["data"]["class_names"] = {"one"};
  EXPECT_THROW(run_config_from_json(j), Error);
  j = run_config_to_json(config);
  j["training"]["label_dropout"] = 1.5;
  EXPECT_THROW(run_config_from_json(j), Error);
  j = run_config_to_json(config);
  j["data"]["class_names"] = {1, 2};
  EXPECT_THROW(run_config_from_json(j), Error);
}

TEST(RunConfig, MinSnrGammaIsKeptAndAbsentInOlderRunsMeansNone) {
  RunConfig config = preset_config("mnist-small");
  config.training.min_snr_gamma = 5.0;
  EXPECT_DOUBLE_EQ(run_config_from_json(run_config_to_json(config)).training.min_snr_gamma, 5.0);
  nlohmann::json j = run_config_to_json(config);
  j["training"].erase("min_snr_gamma");  // a run made before the weighting existed
  EXPECT_DOUBLE_EQ(run_config_from_json(j).training.min_snr_gamma, 0.0);
  j["training"]["min_snr_gamma"] = -1.0;
  EXPECT_THROW(run_config_from_json(j), Error);
}

TEST(RunConfig, LrScheduleIsKeptAndAbsentInOlderRunsMeansConstant) {
  RunConfig config = preset_config("mnist-small");
  config.training.lr_schedule = LrSchedule::kCosine;
  EXPECT_EQ(run_config_from_json(run_config_to_json(config)).training.lr_schedule, LrSchedule::kCosine);
  nlohmann::json j = run_config_to_json(config);
  j["training"].erase("lr_schedule");  // a run made before the schedules existed
  EXPECT_EQ(run_config_from_json(j).training.lr_schedule, LrSchedule::kConstant);
  j["training"]["lr_schedule"] = "step";
  EXPECT_THROW(run_config_from_json(j), Error);
}

TEST(RunConfig, SparsePlannersKeepTheirStrideAndDenseOnesWriteNone) {
  const RunConfig sparse = preset_config("maze2d-large-sparse");
  EXPECT_EQ(sparse.data.trajectory_stride, 15);
  EXPECT_EQ(run_config_from_json(run_config_to_json(sparse)).data.trajectory_stride, 15);
  const nlohmann::json dense = run_config_to_json(preset_config("maze2d-large"));
  EXPECT_FALSE(dense.at("data").contains("trajectory_stride"));  // reads as runs made before strides existed
  EXPECT_EQ(run_config_from_json(dense).data.trajectory_stride, 1);
  nlohmann::json j = run_config_to_json(sparse);
  j["data"]["trajectory_stride"] = 0;
  EXPECT_THROW(run_config_from_json(j), Error);
}

TEST(RunConfig, BadValuesGiveClearErrors) {
  nlohmann::json j = run_config_to_json(preset_config("mnist-small"));
  j["training"]["batch_size"] = 0;
  EXPECT_THROW(run_config_from_json(j), Error);
  j = run_config_to_json(preset_config("mnist-small"));
  j["training"]["steps"] = "many";
  EXPECT_THROW(run_config_from_json(j), Error);
  j = run_config_to_json(preset_config("mnist-small"));
  j.erase("model");
  EXPECT_THROW(run_config_from_json(j), Error);
  j = run_config_to_json(preset_config("mnist-small"));
  j["prediction"] = "score";
  EXPECT_THROW(run_config_from_json(j), Error);
  EXPECT_THROW(preset_config("imagenet"), Error);
}

// The message run_config_from_json gives for the preset's JSON after `edit`.
std::string error_after(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = run_config_to_json(preset_config("mnist-small"));
  edit(j);
  try {
    run_config_from_json(j);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(RunConfig, IsStrictAboutKeysAndTypes) {
  EXPECT_EQ(error_after([](nlohmann::json&) {}), "");
  EXPECT_EQ(error_after([](nlohmann::json& j) { j["training"]["lr"] = 1e-3; }),
            "config: unknown key \"lr\" in training");
  EXPECT_EQ(error_after([](nlohmann::json& j) { j["extra"] = 1; }), "config: unknown key \"extra\" in the config");
  // A float where an integer belongs (found by fuzzing: 5e128 converted to int64 is undefined behaviour).
  EXPECT_EQ(error_after([](nlohmann::json& j) { j["training"]["steps"] = 5.01e128; }),
            "config: \"steps\" must be an integer, got 5.01e+128");
  EXPECT_EQ(error_after([](nlohmann::json& j) { j["training"]["seed"] = -1; }),
            "config: \"seed\" must be a non-negative integer, got -1");
  EXPECT_EQ(error_after([](nlohmann::json& j) { j["model"]["ch_mult"] = {1, 2.5}; }),
            "config: \"ch_mult\" must be an integer, got 2.5");
  EXPECT_EQ(error_after([](nlohmann::json& j) { j["data"]["random_flip"] = 1; }),
            "config: \"random_flip\" must be true or false, got 1");
  EXPECT_NE(error_after([](nlohmann::json& j) { j["model"]["ch"] = 1 << 30; }).find("implausibly large"), std::string::npos);
  EXPECT_NE(error_after([](nlohmann::json& j) { j["training"]["max_bad_steps"] = 0; }).find("max_bad_steps must be >= 1"),
            std::string::npos);
}

}  // namespace
}  // namespace diffuse
