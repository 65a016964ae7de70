#include "diffuse/io/checkpoint.h"

#include <torch/torch.h>

#include "diffuse/io/safetensors.h"
#include "diffuse/util/error.h"

namespace diffuse {

std::map<std::string, torch::Tensor> state_of(const torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> state;
  for (const auto& item : module.named_parameters()) state[item.key()] = item.value().detach();
  for (const auto& item : module.named_buffers()) state[item.key()] = item.value().detach();
  return state;
}

void load_state_into(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& weights,
                     const std::string& source) {
  std::map<std::string, torch::Tensor> targets = state_of(module);
  std::string problems;
  int count = 0;
  auto report = [&](const std::string& problem) {
    if (count++ < 5) problems += (problems.empty() ? "" : "; ") + problem;
  };
  for (const auto& [name, target] : targets) {
    const auto found = weights.find(name);
    if (found == weights.end()) {
      report("missing " + name);
    } else if (found->second.sizes() != target.sizes()) {
      report(name + " has shape " + c10::str(found->second.sizes()) + ", the model needs " + c10::str(target.sizes()));
    }
  }
  for (const auto& [name, tensor] : weights) {
    if (targets.count(name) == 0) report("unexpected " + name);
  }
  if (count > 0) {
    throw Error(source + " does not match the model in its config (" + problems +
                (count > 5 ? "; and " + std::to_string(count - 5) + " more" : "") + ")");
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets) target.copy_(weights.at(name));
}

std::map<std::string, torch::Tensor> with_prefix_removed(const std::map<std::string, torch::Tensor>& tensors,
                                                          const std::string& prefix) {
  std::map<std::string, torch::Tensor> result;
  for (const auto& [name, tensor] : tensors) {
    if (name.compare(0, prefix.size(), prefix) == 0) result.emplace(name.substr(prefix.size()), tensor);
  }
  return result;
}

void save_weights(const std::string& path, const torch::nn::Module& module,
                  const std::map<std::string, std::string>& metadata) {
  save_safetensors(path, TensorFile{state_of(module), metadata});
}

void load_weights(const std::string& path, torch::nn::Module& module) {
  load_state_into(module, load_safetensors(path).tensors, path);
}

}  // namespace diffuse
