#include "diffuse/io/image.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <limits>
#include <memory>

#include <torch/torch.h>

#include "diffuse/io/atomic_file.h"
#include "diffuse/io/image_format.h"
#include "diffuse/util/error.h"

namespace diffuse {

torch::Tensor load_image(const std::string& path, int64_t channels) {
  check(channels == 0 || channels == 1 || channels == 3, "load_image: channels must be 0, 1 or 3");
  return decode_image(read_file_bytes(path), path, channels);
}

torch::Tensor decode_image(const std::vector<std::uint8_t>& bytes, const std::string& path, int64_t channels,
                           int64_t max_pixels) {
  check(channels == 0 || channels == 1 || channels == 3, "decode_image: channels must be 0, 1 or 3");
  check(!bytes.empty(), path + ": empty file, expected an image");
  check(bytes.size() < static_cast<size_t>(std::numeric_limits<int>::max()), path + ": file too large");
  check_before_decoding(bytes, sniff_image_format(bytes, path), path);
  int width = 0, height = 0, file_channels = 0;
  check(stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &width, &height, &file_channels) == 1,
        path + ": not a readable image (" + std::string(stbi_failure_reason() ? stbi_failure_reason() : "unknown format") + ")");
  // 2^26 pixels (8192 x 8192), the default: its float RGB tensor alone is 805 MB.
  check(static_cast<int64_t>(width) * height <= std::min(max_pixels, int64_t{1} << 26),
        path + ": image of " + std::to_string(width) + " x " + std::to_string(height) +
            " pixels is too large (limit " + std::to_string(std::min(max_pixels, int64_t{1} << 26)) + " pixels)");
  if (file_channels == 2 || file_channels == 4) {  // grey or colour with alpha: dropped only where it changes nothing
    std::unique_ptr<stbi_uc, void (*)(void*)> with_alpha(
        stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &width, &height, &file_channels, file_channels),
        stbi_image_free);
    check(with_alpha != nullptr, path + ": cannot decode image (" + std::string(stbi_failure_reason()) + ")");
    const size_t pixel_count = static_cast<size_t>(width) * static_cast<size_t>(height);
    for (size_t i = 0; i < pixel_count; ++i) {
      check(with_alpha.get()[i * file_channels + file_channels - 1] == 255,
            path + ": has transparent pixels (" + (file_channels == 4 ? "RGBA" : "grey + alpha") +
                "); Diffuse reads grey or colour images: flatten it onto a background first");
    }
  }
  const int wanted = channels != 0 ? static_cast<int>(channels) : (file_channels <= 2 ? 1 : 3);
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &width, &height, &file_channels, wanted),
      stbi_image_free);
  check(pixels != nullptr, path + ": cannot decode image (" + std::string(stbi_failure_reason()) + ")");
  // One float allocation: converted and transposed by copy_, scaled in place (as data_from_pixels).
  const torch::Tensor hwc = torch::from_blob(pixels.get(), {height, width, wanted}, torch::kUInt8);
  torch::Tensor chw = torch::empty({wanted, height, width}, torch::kFloat32);
  chw.copy_(hwc.permute({2, 0, 1}));
  return chw.div_(127.5).sub_(1.0);
}

torch::Tensor data_from_pixels(const torch::Tensor& pixels) { return pixels / 127.5 - 1.0; }
torch::Tensor pixels_from_data(const torch::Tensor& data) { return (data + 1.0) * 127.5; }

torch::Tensor to_uint8_hwc(const torch::Tensor& image) {
  check(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3),
        "image must be [C, H, W] with C = 1 or 3, got " + c10::str(image.sizes()));
  return pixels_from_data(image.detach().to(torch::kCPU, torch::kFloat32))
      .round()
      .clamp(0, 255)
      .to(torch::kUInt8)
      .permute({1, 2, 0})
      .contiguous();
}

Canvas to_canvas(const torch::Tensor& image) {
  const torch::Tensor hwc = to_uint8_hwc(image);
  const int height = static_cast<int>(hwc.size(0)), width = static_cast<int>(hwc.size(1));
  const bool grey = hwc.size(2) == 1;
  const auto* p = hwc.data_ptr<std::uint8_t>();
  Canvas canvas(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::uint8_t* px = p + (static_cast<size_t>(y) * width + x) * (grey ? 1 : 3);
      canvas.set_pixel(x, y, grey ? Rgb{px[0], px[0], px[0]} : Rgb{px[0], px[1], px[2]});
    }
  }
  return canvas;
}

std::string encode_png(const std::uint8_t* pixels, int width, int height, int channels) {
  // stb_image_write sizes its buffers in int: keep (width * channels + 1) * height below 2^31.
  check(width > 0 && height > 0 &&
            (static_cast<int64_t>(width) * channels + 1) * height < std::numeric_limits<int>::max(),
        "cannot write a " + std::to_string(width) + "x" + std::to_string(height) +
            " PNG: too large (use fewer samples or a smaller image)");
  std::string png;
  auto append = [](void* context, void* data, int size) {
    static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  const int ok = stbi_write_png_to_func(append, &png, width, height, channels, pixels, width * channels);
  check(ok != 0 && !png.empty(), "cannot encode PNG");
  return png;
}

std::string encode_png(const torch::Tensor& image) {
  const torch::Tensor hwc = to_uint8_hwc(image).contiguous();
  return encode_png(hwc.data_ptr<std::uint8_t>(), static_cast<int>(hwc.size(1)), static_cast<int>(hwc.size(0)),
                    static_cast<int>(hwc.size(2)));
}

std::string encode_png(const Canvas& canvas) {
  return encode_png(canvas.pixels().data(), canvas.width(), canvas.height(), 3);
}

void save_png(const std::string& path, const torch::Tensor& image, const PngText& text) {
  const std::string png = encode_png(image);
  write_file_atomically(path, text.empty() ? png : with_png_text(png, text));
}

void save_png(const std::string& path, const Canvas& canvas, const PngText& text) {
  const std::string png = encode_png(canvas);
  write_file_atomically(path, text.empty() ? png : with_png_text(png, text));
}

}  // namespace diffuse
