#pragma once

#include <string>

#include <torch/types.h>

#include "diffuse/io/png_text.h"

namespace diffuse {

// An image as a user's file: an 8-bit picture (PNG, JPEG, BMP, ... read;
// PNG written) or a float array in NumPy's .npy (H x W or H x W x C, 0-255
// pixel units, never rounded or clipped), which restoration benchmarks use
// because they add noise in float and score data that was never rounded.

bool is_npy_path(const std::string& path);

// [C, H, W] in the data scale [-1, 1] (an .npy's values mapped the same
// way, p / 127.5 - 1, and may lie outside it). channels as load_image.
// Throws Error naming the file for what is neither an image nor a 2-d or
// 3-d array of 1 or 3 channels.
torch::Tensor load_image_file(const std::string& path);

// Writes [C, H, W] in the data scale as .npy (0-255 units, float32, H x W for
// one channel, H x W x C for three) or as PNG (clipped and rounded to 8
// bits), atomically; `text` goes into a PNG's text chunks.
void save_image_file(const std::string& path, const torch::Tensor& image, const PngText& text = {});

// Throws Error starting with "`option` `path`:" unless `path` ends in .png or
// .npy and can be written (check_file_destination).
void check_image_destination(const std::string& path, const std::string& option);

}  // namespace diffuse
