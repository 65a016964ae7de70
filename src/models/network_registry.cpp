#include "diffuse/models/network_registry.h"

#include <nlohmann/json.hpp>

#include "diffuse/models/egnn.h"
#include "diffuse/models/mlp.h"
#include "diffuse/models/temporal_unet.h"
#include "diffuse/models/unet.h"
#include "diffuse/util/error.h"
#include "diffuse/util/json_field.h"

namespace diffuse {

namespace {

template <typename Config>
ModelConfig parse(const nlohmann::json& j) {
  return j.get<Config>();
}

}  // namespace

const NetworkConfig& ModelConfig::operator*() const {
  check(config_ != nullptr, "model config: no network kind chosen");
  return *config_;
}

NetworkConfig& ModelConfig::operator*() {
  check(config_ != nullptr, "model config: no network kind chosen");
  return *config_;
}

const std::vector<NetworkKind>& network_kinds() {
  static const std::vector<NetworkKind> kinds{
      {"unet", "the U-Net of Ho et al. 2020 for images", parse<UNetConfig>},
      {"mlp", "a time-conditioned residual MLP for points and vectors", parse<MlpConfig>},
      {"egnn", "the E(n)-equivariant graph network of EDM for 3-D molecules", parse<EgnnConfig>},
      {"temporal_unet", "the temporal U-Net of Diffuser for trajectories (planning)", parse<TemporalUNetConfig>},
  };
  return kinds;
}

void model_config_to_json(nlohmann::json& j, const ModelConfig& config) { config->write_json(j); }

ModelConfig model_config_from_json(const nlohmann::json& j) {
  check(j.is_object(), "model config must be a JSON object");
  const std::string type = json_field(j, "type", std::string());
  std::string known;
  for (const NetworkKind& kind : network_kinds()) {
    if (type == kind.type) return kind.from_json(j);
    known += std::string(known.empty() ? "\"" : ", \"") + kind.type + "\"";
  }
  throw Error("model config: unknown \"type\": \"" + type + "\" (expected " + known + ")");
}

NetworkPtr make_network(const ModelConfig& config) { return config->build(); }

std::vector<int64_t> sample_shape(const ModelConfig& config) { return config->sample_shape(); }

}  // namespace diffuse
