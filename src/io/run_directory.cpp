#include "diffuse/io/run_directory.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "diffuse/io/atomic_file.h"
#include "diffuse/io/checkpoint.h"
#include "diffuse/util/error.h"

namespace diffuse {

RunDirectory::RunDirectory(std::string path) : path_(std::move(path)) {}

std::string RunDirectory::file(const std::string& name) const {
  return (std::filesystem::path(path_) / name).string();
}

bool RunDirectory::has_config() const {
  std::error_code error;
  return std::filesystem::is_regular_file(config_path(), error);
}

bool RunDirectory::has_checkpoint() const {
  std::error_code error;
  return std::filesystem::is_regular_file(checkpoint_path(), error);
}

void RunDirectory::write_config(const RunConfig& config) const {
  write_file_atomically(config_path(), run_config_to_json(config).dump(2) + "\n");
}

RunConfig RunDirectory::read_config() const {
  std::error_code error;
  check(std::filesystem::is_directory(path_, error), "run directory " + path_ + " does not exist");
  check(has_config(), path_ + " is not a run directory (no config.json)");
  const std::vector<std::uint8_t> bytes = read_file_bytes(config_path());
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    throw Error(config_path() + ": not valid JSON (" + e.what() + ")");
  }
  try {
    return run_config_from_json(json);
  } catch (const Error& e) {
    throw Error(config_path() + ": " + e.what());
  }
}

TrainedModel load_trained_model(const std::string& run_directory, bool use_ema) {
  const RunDirectory run(run_directory);
  TrainedModel trained{run.read_config(), nullptr};
  trained.network = make_network(trained.config.model);
  const std::string weights = use_ema ? run.ema_path() : run.model_path();
  std::error_code error;
  check(std::filesystem::is_regular_file(weights, error),
        run_directory + " has no " + std::filesystem::path(weights).filename().string() + " (has training written weights yet?)");
  load_weights(weights, *trained.network);
  trained.network->eval();
  return trained;
}

Denoiser make_denoiser(const TrainedModel& model, Precision precision) {
  return Denoiser(model.network, NoiseSchedule::from_config(model.config.schedule), model.config.prediction,
                  model.config.sampling.clip_x0, precision);
}

}  // namespace diffuse
