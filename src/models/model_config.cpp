#include "diffuse/models/model_config.h"

#include <nlohmann/json.hpp>

#include "diffuse/util/error.h"
#include "diffuse/util/json_field.h"

namespace diffuse {

void model_config_to_json(nlohmann::json& j, const ModelConfig& config) {
  std::visit([&j](const auto& c) { j = c; }, config);
}

ModelConfig model_config_from_json(const nlohmann::json& j) {
  check(j.is_object(), "model config must be a JSON object");
  const std::string type = json_field(j, "type", std::string());
  if (type == "unet") return j.get<UNetConfig>();
  if (type == "mlp") return j.get<MlpConfig>();
  throw Error("model config: unknown \"type\": \"" + type + "\" (expected \"unet\" or \"mlp\")");
}

NetworkPtr make_network(const ModelConfig& config) {
  if (const auto* unet = std::get_if<UNetConfig>(&config)) return std::make_shared<UNet>(*unet);
  return std::make_shared<TimeConditionedMlp>(std::get<MlpConfig>(config));
}

std::vector<int64_t> sample_shape(const ModelConfig& config) {
  if (const auto* unet = std::get_if<UNetConfig>(&config)) {
    return {unet->in_channels, unet->image_size, unet->image_size};
  }
  return {std::get<MlpConfig>(config).data_dim};
}

}  // namespace diffuse
