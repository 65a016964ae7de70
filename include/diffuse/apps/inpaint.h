#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "diffuse/conditioning.h"
#include "diffuse/denoiser.h"

namespace diffuse {

// RePaint (Lugmayr et al. 2022, "RePaint: Inpainting using denoising
// diffusion probabilistic models"): fills the unknown pixels of an image with
// an unconditional model. At every reverse step the known pixels are taken
// from the forward process of the original, q(x_{t-1} | x0) (eq. 8), the
// unknown ones from the model's reverse step p(x_{t-1} | x_t) (Ho et al.
// eq. 11), and the two are joined by the mask (eq. 9). To let the generated
// part agree with the known part, the process repeatedly jumps back up
// `jump_length` steps with the forward process q(x_t | x_{t-1}) and denoises
// again, `resamplings` times in all (sec. 4.2, Algorithm 1).
struct InpaintOptions {
  int64_t steps = 250;        // reverse steps, respaced from the training schedule (the paper: T = 250)
  int64_t jump_length = 10;   // j (the paper: 10)
  int64_t resamplings = 10;   // r; 1: no resampling (the paper: 10)
  double temperature = 1.0;   // scales x_T and the noise of every reverse step
  uint64_t seed = 0;
  // Called after every network evaluation with (evaluations done, total).
  Conditioning conditioning;  // of each image (class labels of a conditional model), or empty
  std::function<void(int64_t, int64_t)> on_evaluation;
};

// The levels the process visits, from `steps` (pure noise) down to 0 (the
// clean image): one level down per reverse step, and back up `jump_length`
// levels after reaching levels 1, 1 + j, 1 + 2j, ... below steps - j,
// r - 1 times each, as in the paper's code (get_schedule_jump).
std::vector<int64_t> repaint_levels(int64_t steps, int64_t jump_length, int64_t resamplings);
// The network evaluations: the downward moves of repaint_levels.
int64_t inpaint_evaluations(const InpaintOptions& options);

// image: [N, ...sample shape] in the data scale; known: as many dimensions
// as image, each of size 1 or image's (e.g. [1, 1, H, W] for one mask over
// all channels and images), 1 where a pixel is kept and 0 where it is generated. The kept
// pixels of the result are exactly those of `image`.
torch::Tensor inpaint(const Denoiser& denoiser, const torch::Tensor& image, const torch::Tensor& known,
                      const InpaintOptions& options);

}  // namespace diffuse
