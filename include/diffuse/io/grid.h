#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/io/canvas.h"

namespace diffuse {

// Tiles images [N, C, H, W] (values in [-1, 1]) into one image [C, H', W']
// with `columns` per row (0: a square-ish grid) and `padding` pixels of
// `pad_value` between and around them.
torch::Tensor make_grid(const torch::Tensor& images, int64_t columns = 0, int64_t padding = 2, double pad_value = 1.0);

// A grid scaled up by an integer factor (nearest neighbour), so 28x28
// samples are big enough to look at.
torch::Tensor upscale_nearest(const torch::Tensor& image, int64_t factor);
// An image [C, H, W] in [-1, 1] as a canvas, scaled up by the integer factor
// that brings its longer side closest to `target` pixels from below (at least 1).
Canvas to_display_canvas(const torch::Tensor& image, int64_t target);

// A strip per row of `frames` [F, N, C, H, W] (the reverse or forward process
// of N samples over F frames), with a caption under each column.
Canvas render_strips(const torch::Tensor& frames, const std::vector<std::string>& column_captions,
                     int64_t scale, const std::string& title);

}  // namespace diffuse
