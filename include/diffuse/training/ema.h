#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <torch/nn/module.h>

namespace diffuse {

// Exponential moving average of a model's weights (Ho et al. use decay
// 0.9999), sampled from instead of the raw weights. With warm-up the decay
// is min(decay, (1 + n) / (10 + n)) after n updates, so the average is not
// dominated by the random initial weights in short runs.
class ExponentialMovingAverage {
 public:
  ExponentialMovingAverage(const torch::nn::Module& model, double decay, bool warmup);

  void update(const torch::nn::Module& model);
  double current_decay() const;
  int64_t num_updates() const { return num_updates_; }

  // The averaged weights, named like the model's state (see checkpoint.h).
  const std::map<std::string, torch::Tensor>& weights() const { return shadow_; }
  void restore(const std::map<std::string, torch::Tensor>& weights, int64_t num_updates, const std::string& source);

 private:
  double decay_;
  bool warmup_;
  int64_t num_updates_ = 0;
  std::map<std::string, torch::Tensor> shadow_;
};

}  // namespace diffuse
