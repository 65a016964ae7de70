#pragma once

#include <string>

#include "diffuse/denoiser.h"
#include "diffuse/models/network.h"
#include "diffuse/precision.h"
#include "diffuse/run_config.h"

namespace diffuse {

// A trained network ready for sampling, built from a run directory's config
// and its EMA (or raw) weights. It lives above io/ (which reads the files)
// and models/ (which builds the network), joining the two.
struct TrainedModel {
  RunConfig config;
  NetworkPtr network;
};
TrainedModel load_trained_model(const std::string& run_directory, bool use_ema = true);

// The model's denoiser: its network, schedule, prediction target and x0
// clipping, computing in `precision`.
Denoiser make_denoiser(const TrainedModel& model, Precision precision = Precision::kFloat32);

}  // namespace diffuse
