#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/io/canvas.h"
#include "diffuse/io/plot.h"
#include "diffuse/io/png_text.h"

namespace diffuse {

// A picture of a batch of samples: a grid of images [N, C, H, W] (scaled up
// so that small images are visible), or a scatter plot of 2-D points [N, 2].
Canvas render_samples(const torch::Tensor& samples, const std::string& title = "");
// A scatter plot of 2-D points [N, 2] with the given plot options.
Canvas render_points(const torch::Tensor& points, const ScatterPlotOptions& options);

// Writes samples where `out` says:
//   *.png   one picture (render_samples)
//   *.csv   one row per sample ("x,y" for 2-D points; flattened values otherwise)
//   DIR/    (a trailing slash or an existing directory) one PNG per image sample
// Every file is written atomically. Returns the paths written.
// Throws Error unless `path` names a .png file; `option` names the flag in the message.
void check_png_destination(const std::string& path, const std::string& option);

// Throws Error when `out` is none of the above, or a directory for 2-D
// points: called before sampling, so a bad name costs no time.
void check_samples_destination(const std::string& out, bool points);

// PNGs carry `text` (the generation parameters) as text chunks.
std::vector<std::string> write_samples(const std::string& out, const torch::Tensor& samples, const std::string& title = "",
                                       const PngText& text = {});

// The reverse (or forward) process of a few samples: frames [F, N, ...] with
// the timestep of each frame (-1 for the final sample), as strips of images
// or a row of scatter plots.
Canvas render_trajectory(const torch::Tensor& frames, const std::vector<int64_t>& timesteps, const std::string& title);

}  // namespace diffuse
