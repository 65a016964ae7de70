#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/io/canvas.h"

namespace diffuse {

// The samples a classifier put in another class than the one they were drawn
// for, as a table of pictures: a row per class asked for, a column per class
// judged, each cell the misses of that pair (at most kMissesPerCell, the
// first ones). It shows whether a conditional model's misses are malformed
// digits or ambiguous ones that a person would also hesitate over.
// images: [N, C, H, W] in [-1, 1]; asked and judged: int64 [N] class indices
// into class_names. The title counts the misses ("k of N judged another
// class than asked"), after `title_prefix` and a colon when that is not
// empty; `given` names where the asked class came from ("asked" for samples,
// "labelled" for real images). With no misses the sheet is the title and one
// line that says so.
constexpr int64_t kMissesPerCell = 16;
Canvas render_misclassified(const torch::Tensor& images, const torch::Tensor& asked, const torch::Tensor& judged,
                            const std::vector<std::string>& class_names, const std::string& title_prefix,
                            const std::string& given = "asked");

}  // namespace diffuse
