#include "diffuse/trained_model.h"

#include <filesystem>

#include "diffuse/io/checkpoint.h"
#include "diffuse/io/run_directory.h"
#include "diffuse/models/network_registry.h"
#include "diffuse/util/error.h"

namespace diffuse {

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
