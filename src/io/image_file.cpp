#include "diffuse/io/image_file.h"

#include <filesystem>

#include <torch/torch.h>

#include "diffuse/io/atomic_file.h"
#include "diffuse/io/image.h"
#include "diffuse/io/npy.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool is_npy_path(const std::string& path) { return ends_with(path, ".npy"); }

torch::Tensor load_image_file(const std::string& path) {
  if (!is_npy_path(path)) return load_image(path);
  torch::Tensor array = read_npy(path);
  check(array.dim() == 2 || (array.dim() == 3 && (array.size(2) == 1 || array.size(2) == 3)),
        path + ": expected an image array H x W or H x W x C with 1 or 3 channels, got " + c10::str(array.sizes()));
  check(array.size(0) >= 1 && array.size(1) >= 1, path + ": the array holds no pixels");
  check(torch::isfinite(array).all().item<bool>(), path + ": the array holds NaN or infinite values");
  torch::Tensor chw = array.dim() == 2 ? array.unsqueeze(0) : array.permute({2, 0, 1});
  return data_from_pixels(chw.to(torch::kFloat32).contiguous());
}

void save_image_file(const std::string& path, const torch::Tensor& image, const PngText& text) {
  check(image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3), "save: expected an image [1 or 3, H, W]");
  if (!is_npy_path(path)) {
    save_png(path, image, text);
    return;
  }
  const torch::Tensor pixels = pixels_from_data(image.to(torch::kCPU).to(torch::kFloat64));
  write_npy(path, image.size(0) == 1 ? pixels[0] : pixels.permute({1, 2, 0}));
}

void check_image_destination(const std::string& path, const std::string& option) {
  check(ends_with(path, ".png") || is_npy_path(path), option + " " + path + ": expected a .png or .npy file");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  check(parent.empty() || std::filesystem::is_directory(parent),
        option + " " + path + ": the folder " + parent.string() + " does not exist");
  check_file_destination(path, option);
}

}  // namespace diffuse
