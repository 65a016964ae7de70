#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "diffuse/models/network_config.h"

namespace diffuse {

// The registry of network kinds: config.json's model "type" -> its config.
// A new kind is one file pair (its config, deriving from NetworkConfig, and
// its network) and one entry in network_registry.cpp.
struct NetworkKind {
  const char* type;
  const char* description;
  ModelConfig (*from_json)(const nlohmann::json& j);
};
const std::vector<NetworkKind>& network_kinds();

void model_config_to_json(nlohmann::json& j, const ModelConfig& config);
// Throws Error for an unknown "type" (listing the known ones) or a bad field.
ModelConfig model_config_from_json(const nlohmann::json& j);

// Builds the network a configuration describes, freshly initialised.
NetworkPtr make_network(const ModelConfig& config);

// The shape of one sample the configuration produces, e.g. {1, 28, 28} or {2}.
std::vector<int64_t> sample_shape(const ModelConfig& config);

}  // namespace diffuse
