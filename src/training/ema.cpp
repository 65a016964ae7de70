#include "diffuse/training/ema.h"

#include <algorithm>

#include <torch/torch.h>

#include "diffuse/io/checkpoint.h"
#include "diffuse/util/error.h"

namespace diffuse {

ExponentialMovingAverage::ExponentialMovingAverage(const torch::nn::Module& model, double decay, bool warmup)
    : decay_(decay), warmup_(warmup) {
  check(decay >= 0.0 && decay < 1.0, "EMA decay must be in [0, 1)");
  for (const auto& [name, tensor] : state_of(model)) shadow_[name] = tensor.clone();
}

double ExponentialMovingAverage::current_decay() const {
  if (!warmup_) return decay_;
  const auto n = static_cast<double>(num_updates_);
  return std::min(decay_, (1.0 + n) / (10.0 + n));
}

void ExponentialMovingAverage::update(const torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  const double decay = current_decay();
  for (const auto& [name, tensor] : state_of(model)) {
    torch::Tensor& average = shadow_.at(name);
    if (average.is_floating_point()) {
      average.mul_(decay).add_(tensor, 1.0 - decay);  // theta_ema <- d theta_ema + (1 - d) theta
    } else {
      average.copy_(tensor);
    }
  }
  ++num_updates_;
}

void ExponentialMovingAverage::restore(const std::map<std::string, torch::Tensor>& weights, int64_t num_updates,
                                       const std::string& source) {
  for (const auto& [name, average] : shadow_) {
    const auto found = weights.find(name);
    check(found != weights.end() && found->second.sizes() == average.sizes(),
          source + ": EMA weights do not match the model (" + name + ")");
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, average] : shadow_) average.copy_(weights.at(name));
  num_updates_ = num_updates;
}

}  // namespace diffuse
