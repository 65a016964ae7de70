#include "diffuse/conditioning.h"

#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

torch::Tensor rows(const torch::Tensor& tensor, int64_t begin, int64_t end) {
  return tensor.defined() ? tensor.slice(0, begin, end) : tensor;
}

torch::Tensor moved(const torch::Tensor& tensor, const torch::Device& device) {
  return tensor.defined() ? tensor.to(device) : tensor;
}

}  // namespace

Conditioning Conditioning::slice(int64_t begin, int64_t end) const {
  return {rows(class_labels, begin, end), rows(mask, begin, end), rows(known, begin, end),
          rows(known_values, begin, end)};
}

Conditioning Conditioning::to(const torch::Device& device) const {
  return {moved(class_labels, device), moved(mask, device), moved(known, device), moved(known_values, device)};
}

torch::Tensor Conditioning::impose_known(const torch::Tensor& x) const {
  if (!known.defined()) return x;
  check(known_values.defined() && known.sizes() == x.sizes() && known_values.sizes() == x.sizes(),
        "known elements: expected a mask and values shaped like the state " + c10::str(x.sizes()) + ", got " +
            c10::str(known.sizes()) + " and " + (known_values.defined() ? c10::str(known_values.sizes()) : "none"));
  return torch::where(known.to(x.device()).to(torch::kBool), known_values.to(x.device(), x.scalar_type()), x);
}

}  // namespace diffuse
