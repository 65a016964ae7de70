#include "diffuse/training/optimizer_state.h"

#include <torch/torch.h>

#include <sstream>
#include <type_traits>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// libtorch keys optimizer state by the parameter's TensorImpl address: as the
// address printed to a string in 1.13, as the address itself in 2.x.
using StateKey = std::decay_t<decltype(std::declval<torch::optim::Adam&>().state())>::key_type;

template <typename Key>
Key state_key_of(const torch::Tensor& parameter) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream address;
    address << parameter.unsafeGetTensorImpl();
    return address.str();
  } else {
    return static_cast<Key>(parameter.unsafeGetTensorImpl());
  }
}

StateKey state_key(const torch::Tensor& parameter) { return state_key_of<StateKey>(parameter); }

}  // namespace

AdamState export_adam_state(torch::optim::Adam& optimizer, const torch::nn::Module& model) {
  AdamState result;
  auto& states = optimizer.state();
  for (const auto& item : model.named_parameters()) {
    const auto found = states.find(state_key(item.value()));
    if (found == states.end()) continue;
    const auto& adam = static_cast<const torch::optim::AdamParamState&>(*found->second);
    result.step = adam.step();
    result.exp_avg[item.key()] = adam.exp_avg().detach().clone();
    result.exp_avg_sq[item.key()] = adam.exp_avg_sq().detach().clone();
  }
  return result;
}

void import_adam_state(torch::optim::Adam& optimizer, const torch::nn::Module& model, const AdamState& state,
                       const std::string& source) {
  auto& states = optimizer.state();
  states.clear();
  if (state.step == 0) return;
  for (const auto& item : model.named_parameters()) {
    const auto avg = state.exp_avg.find(item.key());
    const auto avg_sq = state.exp_avg_sq.find(item.key());
    check(avg != state.exp_avg.end() && avg_sq != state.exp_avg_sq.end() &&
              avg->second.sizes() == item.value().sizes() && avg_sq->second.sizes() == item.value().sizes(),
          source + ": optimizer state does not match the model (" + item.key() + ")");
    auto adam = std::make_unique<torch::optim::AdamParamState>();
    adam->step(state.step);
    adam->exp_avg(avg->second.clone().to(item.value().options()));
    adam->exp_avg_sq(avg_sq->second.clone().to(item.value().options()));
    states[state_key(item.value())] = std::move(adam);
  }
}

void set_learning_rate(torch::optim::Adam& optimizer, double learning_rate) {
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::AdamOptions&>(group.options()).lr(learning_rate);
  }
}

}  // namespace diffuse
