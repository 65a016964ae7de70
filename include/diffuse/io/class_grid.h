#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/io/canvas.h"

namespace diffuse {

// Samples of a class-conditional model, class by class: `samples` holds
// per_class samples of class 0, then of class 1, and so on. Images become a
// grid with one labelled row per class; 2-D points a row of scatter plots,
// one per class, each titled with its class.
Canvas render_class_rows(const torch::Tensor& samples, int64_t per_class, const std::vector<std::string>& class_names,
                         const std::string& title);

}  // namespace diffuse
