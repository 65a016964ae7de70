#include "diffuse/run_config.h"

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
    EXPECT_EQ(back.model.index(), config.model.index());
  }
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

}  // namespace
}  // namespace diffuse
