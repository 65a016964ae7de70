#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "diffuse/models/network.h"

namespace diffuse {

// The architecture of one kind of network, as config.json stores it (an
// object whose "type" names the kind). Each kind derives its config from
// this and registers a parser in models/network_registry.cpp.
class NetworkConfig {
 public:
  virtual ~NetworkConfig() = default;

  virtual std::string type() const = 0;
  // Throws Error when the configuration cannot be built.
  virtual void validate() const = 0;
  // The JSON object config.json holds, "type" included.
  virtual void write_json(nlohmann::json& j) const = 0;
  // A freshly initialised network.
  virtual NetworkPtr build() const = 0;
  // The shape of one sample, e.g. {1, 28, 28} or {2}.
  virtual std::vector<int64_t> sample_shape() const = 0;
  // Floating-point operations of one evaluation on one sample (models/flops.h).
  virtual double forward_flops() const = 0;
  virtual std::unique_ptr<NetworkConfig> clone() const = 0;

  // Class-conditional networks: labels 0..num_classes-1 and the null label
  // num_classes (a learned embedding added to the time embedding); 0: none.
  int64_t num_classes = 0;
};

// CRTP helper: clone() for a config type.
template <typename Derived>
class NetworkConfigBase : public NetworkConfig {
 public:
  std::unique_ptr<NetworkConfig> clone() const override {
    return std::make_unique<Derived>(static_cast<const Derived&>(*this));
  }
};

// A network configuration of any registered kind, with value semantics.
class ModelConfig {
 public:
  ModelConfig() = default;
  template <typename Config, typename = std::enable_if_t<std::is_base_of_v<NetworkConfig, Config>>>
  ModelConfig(Config config) : config_(std::make_unique<Config>(std::move(config))) {}  // NOLINT: implicit by design
  ModelConfig(const ModelConfig& other) : config_(other.config_ ? other.config_->clone() : nullptr) {}
  ModelConfig& operator=(const ModelConfig& other) {
    if (this != &other) config_ = other.config_ ? other.config_->clone() : nullptr;
    return *this;
  }
  ModelConfig(ModelConfig&&) noexcept = default;
  ModelConfig& operator=(ModelConfig&&) noexcept = default;

  bool empty() const { return config_ == nullptr; }
  // The config as the given kind, or null when it is another kind.
  template <typename Config>
  Config* get_if() { return dynamic_cast<Config*>(config_.get()); }
  template <typename Config>
  const Config* get_if() const { return dynamic_cast<const Config*>(config_.get()); }

  // Error when empty.
  const NetworkConfig& operator*() const;
  NetworkConfig& operator*();
  const NetworkConfig* operator->() const { return &**this; }
  NetworkConfig* operator->() { return &**this; }

 private:
  std::unique_ptr<NetworkConfig> config_;
};

}  // namespace diffuse
