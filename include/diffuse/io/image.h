#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/io/canvas.h"
#include "diffuse/io/png_text.h"

namespace diffuse {

// Reads a PNG, JPEG, BMP, GIF, TGA or PNM file into a float tensor [C, H, W]
// with values in [-1, 1]. channels = 1 or 3 converts to grey or RGB; 0 keeps
// the file's own (alpha is dropped). Throws Error naming the file on failure.
torch::Tensor load_image(const std::string& path, int64_t channels = 0);
// The same from a file's bytes; `source` names it in errors. Images over
// `max_pixels` (default 2^26, 8192 x 8192) are refused before decoding.
torch::Tensor decode_image(const std::vector<std::uint8_t>& bytes, const std::string& source, int64_t channels = 0,
                           int64_t max_pixels = int64_t{1} << 26);

// The models' data scale and 0-255 pixel units: x = p / 127.5 - 1, on
// tensors of any shape, with no rounding or clamping.
torch::Tensor data_from_pixels(const torch::Tensor& pixels);
torch::Tensor pixels_from_data(const torch::Tensor& data);

// [C, H, W] in [-1, 1] (C = 1 or 3) to 8-bit pixels, and to a canvas for drawing.
torch::Tensor to_uint8_hwc(const torch::Tensor& image);
Canvas to_canvas(const torch::Tensor& image);

// PNG bytes of 8-bit pixels (row-major, `channels` bytes per pixel), of an
// image [C, H, W] in [-1, 1] (C = 1 or 3), and of a canvas.
std::string encode_png(const std::uint8_t* pixels, int width, int height, int channels);
std::string encode_png(const torch::Tensor& image);
std::string encode_png(const Canvas& canvas);
// Writes the image as PNG, atomically, with `text` as its text chunks (the
// parameters it was generated with, png_text.h).
void save_png(const std::string& path, const torch::Tensor& image, const PngText& text = {});
void save_png(const std::string& path, const Canvas& canvas, const PngText& text = {});

}  // namespace diffuse
