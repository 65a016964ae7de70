#include "diffuse/run_config.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "diffuse/io/atomic_file.h"
#include "diffuse/models/egnn.h"
#include "diffuse/models/network_registry.h"
#include "diffuse/util/error.h"
#include "diffuse/util/json_field.h"

namespace diffuse {

std::string to_string(ReverseVariance variance) {
  return variance == ReverseVariance::kBeta ? "beta" : "beta_tilde";
}

ReverseVariance reverse_variance_from_string(const std::string& name) {
  if (name == "beta_tilde" || name == "fixed_small") return ReverseVariance::kBetaTilde;
  if (name == "beta" || name == "fixed_large") return ReverseVariance::kBeta;
  throw Error("unknown reverse variance '" + name + "': expected beta_tilde or beta");
}

std::string to_string(NonFiniteAction action) { return action == NonFiniteAction::kRollback ? "rollback" : "stop"; }

NonFiniteAction non_finite_action_from_string(const std::string& name) {
  if (name == "stop") return NonFiniteAction::kStop;
  if (name == "rollback") return NonFiniteAction::kRollback;
  throw Error("unknown action on NaN/Inf '" + name + "': expected stop or rollback");
}

std::string to_string(LrSchedule schedule) { return schedule == LrSchedule::kCosine ? "cosine" : "constant"; }

LrSchedule lr_schedule_from_string(const std::string& name) {
  if (name == "constant") return LrSchedule::kConstant;
  if (name == "cosine") return LrSchedule::kCosine;
  throw Error("unknown learning-rate schedule '" + name + "': expected constant or cosine");
}

namespace {

// A misspelt key would otherwise be ignored silently and its default used.
void reject_unknown_keys(const nlohmann::json& section, std::initializer_list<const char*> known, const std::string& where) {
  check(section.is_object(), "config: " + where + " must be an object");
  for (const auto& item : section.items()) {
    const bool found = std::any_of(known.begin(), known.end(), [&](const char* key) { return item.key() == key; });
    check(found, "config: unknown key \"" + item.key() + "\" in " + where);
  }
}

}  // namespace

void RunConfig::validate() const {
  model->validate();
  check(schedule.num_timesteps >= 1 && schedule.num_timesteps <= 1'000'000,
        "config: schedule.num_timesteps must be in [1, 1000000]");
  check(training.steps >= 1, "config: training.steps must be >= 1");
  if (const auto* egnn = model.get_if<EgnnConfig>()) {
    // The EGNN sees t / T: its T must be the schedule's.
    check(egnn->num_timesteps == schedule.num_timesteps,
          "config: model.num_timesteps (" + std::to_string(egnn->num_timesteps) + ") must equal schedule.num_timesteps (" +
              std::to_string(schedule.num_timesteps) + ")");
  }
  if (!data.trajectory_limits.empty()) data.trajectory_limits.check_valid(data.trajectory_limits.minimum.size());
  check(data.trajectory_stride >= 1 && data.trajectory_stride <= 1000,
        "config: data.trajectory_stride must be in [1, 1000], got " + std::to_string(data.trajectory_stride));
  for (int64_t count : data.atom_count_histogram) {
    check(count >= 0, "config: data.atom_count_histogram holds a negative count");
  }
  check(training.batch_size >= 1, "config: training.batch_size must be >= 1");
  check(training.learning_rate > 0.0, "config: training.learning_rate must be > 0");
  check(training.warmup_steps >= 0, "config: training.warmup_steps must be >= 0");
  check(training.grad_clip >= 0.0, "config: training.grad_clip must be >= 0");
  check(training.ema_decay >= 0.0 && training.ema_decay < 1.0, "config: training.ema_decay must be in [0, 1)");
  check(training.checkpoint_every >= 1, "config: training.checkpoint_every must be >= 1");
  check(training.sample_every >= 0, "config: training.sample_every must be >= 0");
  check(training.log_every >= 1, "config: training.log_every must be >= 1");
  check(training.preview_samples >= 1, "config: training.preview_samples must be >= 1");
  check(training.preview_steps >= 1 && training.preview_steps <= schedule.num_timesteps,
        "config: training.preview_steps must be in [1, num_timesteps]");
  check(training.max_bad_steps >= 1, "config: training.max_bad_steps must be >= 1");
  check(training.rollback_lr_factor > 0.0 && training.rollback_lr_factor < 1.0,
        "config: training.rollback_lr_factor must be in (0, 1)");
  check(training.max_rollbacks >= 0, "config: training.max_rollbacks must be >= 0");
  check(training.label_dropout >= 0.0 && training.label_dropout <= 1.0, "config: training.label_dropout must be in [0, 1]");
  check(std::isfinite(training.min_snr_gamma) && training.min_snr_gamma >= 0.0,
        "config: training.min_snr_gamma must be >= 0 (0: no weighting)");
  const int64_t classes = model->num_classes;
  check(classes == 0 || data.conditional, "config: model.num_classes is set, but data.conditional is not");
  check(classes == 0 || static_cast<int64_t>(data.class_names.size()) == classes,
        "config: model.num_classes (" + std::to_string(classes) + ") differs from the " +
            std::to_string(data.class_names.size()) + " data.class_names");
}

namespace {

nlohmann::json data_to_json(const DataConfig& d) {
  nlohmann::json j = {{"spec", d.spec}, {"random_flip", d.random_flip}, {"conditional", d.conditional},
                      {"class_names", d.class_names}};
  if (d.random_crops) j["random_crops"] = true;  // only patch-trained runs carry it
  // Only molecule runs carry these, so image and point runs read as before.
  if (d.no_hydrogens || !d.atom_count_histogram.empty()) {
    j["no_hydrogens"] = d.no_hydrogens;
    j["atom_count_histogram"] = d.atom_count_histogram;
  }
  if (!d.trajectory_limits.empty()) {
    j["trajectory_limits"] = {{"minimum", d.trajectory_limits.minimum}, {"maximum", d.trajectory_limits.maximum}};
  }
  if (d.trajectory_stride != 1) j["trajectory_stride"] = d.trajectory_stride;  // only sparse planners carry it
  return j;
}

}  // namespace

nlohmann::json run_config_to_json(const RunConfig& c) {
  nlohmann::json model;
  model_config_to_json(model, c.model);
  const TrainOptions& t = c.training;
  return {
      {"format", "diffuse-run-v1"},
      {"preset", c.preset},
      {"model", model},
      {"schedule", c.schedule},
      {"prediction", to_string(c.prediction)},
      {"data", data_to_json(c.data)},
      {"training",
       {{"steps", t.steps}, {"batch_size", t.batch_size}, {"learning_rate", t.learning_rate},
        {"warmup_steps", t.warmup_steps}, {"lr_schedule", to_string(t.lr_schedule)}, {"grad_clip", t.grad_clip},
        {"ema_decay", t.ema_decay},
        {"ema_warmup", t.ema_warmup}, {"seed", t.seed}, {"label_dropout", t.label_dropout},
        {"min_snr_gamma", t.min_snr_gamma}, {"checkpoint_every", t.checkpoint_every},
        {"sample_every", t.sample_every}, {"log_every", t.log_every}, {"preview_samples", t.preview_samples},
        {"preview_steps", t.preview_steps}, {"precision", to_string(t.precision)},
        {"max_bad_steps", t.max_bad_steps}, {"on_non_finite", to_string(t.on_non_finite)},
        {"rollback_lr_factor", t.rollback_lr_factor}, {"max_rollbacks", t.max_rollbacks}}},
      {"sampling", {{"variance", to_string(c.sampling.variance)}, {"clip_x0", c.sampling.clip_x0}}},
  };
}

RunConfig run_config_from_json(const nlohmann::json& j) {
  check(j.is_object(), "config must be a JSON object");
  RunConfig c;
  try {
    reject_unknown_keys(j, {"format", "preset", "model", "schedule", "prediction", "data", "training", "sampling"}, "the config");
    c.preset = json_field(j, "preset", std::string());
    check(j.contains("model"), "config has no \"model\" section");
    c.model = model_config_from_json(j.at("model"));
    if (j.contains("schedule")) c.schedule = j.at("schedule").get<ScheduleConfig>();
    c.prediction = prediction_from_string(json_field(j, "prediction", std::string("eps")));
    if (j.contains("data")) {
      const auto& d = j.at("data");
      reject_unknown_keys(d, {"spec", "random_flip", "random_crops", "conditional", "class_names", "no_hydrogens", "atom_count_histogram",
                              "trajectory_limits", "trajectory_stride"},
                          "data");
      c.data.spec = json_field(d, "spec", c.data.spec);
      c.data.random_flip = json_field(d, "random_flip", c.data.random_flip);
      c.data.random_crops = json_field(d, "random_crops", c.data.random_crops);
      c.data.conditional = json_field(d, "conditional", c.data.conditional);
      c.data.class_names = json_field(d, "class_names", c.data.class_names);
      c.data.no_hydrogens = json_field(d, "no_hydrogens", c.data.no_hydrogens);
      c.data.atom_count_histogram = json_field(d, "atom_count_histogram", c.data.atom_count_histogram);
      if (d.contains("trajectory_limits")) {
        const auto& limits = d.at("trajectory_limits");
        reject_unknown_keys(limits, {"minimum", "maximum"}, "data.trajectory_limits");
        c.data.trajectory_limits.minimum = json_field(limits, "minimum", std::vector<double>());
        c.data.trajectory_limits.maximum = json_field(limits, "maximum", std::vector<double>());
      }
      c.data.trajectory_stride = json_field(d, "trajectory_stride", c.data.trajectory_stride);
    }
    if (j.contains("training")) {
      const auto& s = j.at("training");
      reject_unknown_keys(s, {"steps", "batch_size", "learning_rate", "warmup_steps", "lr_schedule", "grad_clip", "ema_decay",
                              "ema_warmup",
                              "seed", "label_dropout", "min_snr_gamma", "checkpoint_every", "sample_every", "log_every", "preview_samples", "preview_steps",
                              "precision", "max_bad_steps", "on_non_finite", "rollback_lr_factor", "max_rollbacks"},
                          "training");
      TrainOptions& t = c.training;
      t.steps = json_field(s, "steps", t.steps);
      t.batch_size = json_field(s, "batch_size", t.batch_size);
      t.learning_rate = json_field(s, "learning_rate", t.learning_rate);
      t.warmup_steps = json_field(s, "warmup_steps", t.warmup_steps);
      t.lr_schedule = lr_schedule_from_string(json_field(s, "lr_schedule", to_string(t.lr_schedule)));
      t.grad_clip = json_field(s, "grad_clip", t.grad_clip);
      t.ema_decay = json_field(s, "ema_decay", t.ema_decay);
      t.ema_warmup = json_field(s, "ema_warmup", t.ema_warmup);
      t.seed = json_field(s, "seed", t.seed);
      t.label_dropout = json_field(s, "label_dropout", t.label_dropout);
      t.min_snr_gamma = json_field(s, "min_snr_gamma", t.min_snr_gamma);
      t.checkpoint_every = json_field(s, "checkpoint_every", t.checkpoint_every);
      t.sample_every = json_field(s, "sample_every", t.sample_every);
      t.log_every = json_field(s, "log_every", t.log_every);
      t.preview_samples = json_field(s, "preview_samples", t.preview_samples);
      t.preview_steps = json_field(s, "preview_steps", t.preview_steps);
      t.precision = precision_from_string(json_field(s, "precision", to_string(t.precision)));
      t.max_bad_steps = json_field(s, "max_bad_steps", t.max_bad_steps);
      t.on_non_finite = non_finite_action_from_string(json_field(s, "on_non_finite", to_string(t.on_non_finite)));
      t.rollback_lr_factor = json_field(s, "rollback_lr_factor", t.rollback_lr_factor);
      t.max_rollbacks = json_field(s, "max_rollbacks", t.max_rollbacks);
    }
    if (j.contains("sampling")) {
      const auto& s = j.at("sampling");
      reject_unknown_keys(s, {"variance", "clip_x0"}, "sampling");
      c.sampling.variance = reverse_variance_from_string(json_field(s, "variance", std::string("beta_tilde")));
      c.sampling.clip_x0 = json_field(s, "clip_x0", c.sampling.clip_x0);
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("config: ") + e.what());
  }
  c.validate();
  return c;
}

RunConfig parse_run_config(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    throw Error(source + ": not valid JSON (" + e.what() + ")");
  }
  try {
    return run_config_from_json(json);
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
}

RunConfig read_run_config(const std::string& path) { return parse_run_config(read_file_bytes(path), path); }

}  // namespace diffuse
