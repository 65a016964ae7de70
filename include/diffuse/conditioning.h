#pragma once

#include <cstdint>

#include <torch/types.h>

namespace diffuse {

// What a network sees besides (x_t, t): the shape of EDM's
// forward(x, sigma, class_labels), open to more. Every field may be
// undefined; a network reads the fields it was built for and refuses
// the others.
struct Conditioning {
  // int64 [N]: class c in [0, num_classes), or num_classes, the null label
  // of the unconditional branch (classifier-free guidance, Ho & Salimans 2022).
  // Undefined: every sample unconditional.
  torch::Tensor class_labels;
  // [N, ...]: 1 for the real elements of variable-size sets (atoms of a
  // molecule), 0 for padding. Undefined: every element is real.
  torch::Tensor mask;
  // Elements of x_t given exactly at every noise level, in training and in
  // sampling: a planner's start and goal (Diffuser's apply_conditioning,
  // Janner et al. 2022 sec. 3.3, goal-conditioned planning as inpainting).
  // `known` [N, ...sample shape] is 1 where x_t holds `known_values` (same
  // shape; in training the batch's own x0), 0 elsewhere. The network sees
  // them only through x_t; the training loss leaves them out.
  torch::Tensor known, known_values;

  bool empty() const { return !class_labels.defined() && !mask.defined() && !known.defined(); }
  // x with the known elements set to their values (x itself without `known`).
  torch::Tensor impose_known(const torch::Tensor& x) const;
  // Rows begin..end-1 of every field.
  Conditioning slice(int64_t begin, int64_t end) const;
  Conditioning to(const torch::Device& device) const;
};

// Training data: the clean samples and what conditions them.
struct Batch {
  torch::Tensor x0;  // [B, ...sample shape], float32
  Conditioning conditioning;
};

}  // namespace diffuse
