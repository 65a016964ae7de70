#pragma once

#include <string>
#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "diffuse/models/mlp.h"
#include "diffuse/models/network.h"
#include "diffuse/models/unet.h"

namespace diffuse {

// The architecture of a noise-prediction network; in config.json as an
// object whose "type" is "unet" or "mlp".
using ModelConfig = std::variant<UNetConfig, MlpConfig>;

void model_config_to_json(nlohmann::json& j, const ModelConfig& config);
ModelConfig model_config_from_json(const nlohmann::json& j);

// Builds the network a configuration describes, freshly initialised.
NetworkPtr make_network(const ModelConfig& config);

// The shape of one sample the configuration produces, e.g. {1, 28, 28} or {2}.
std::vector<int64_t> sample_shape(const ModelConfig& config);

}  // namespace diffuse
