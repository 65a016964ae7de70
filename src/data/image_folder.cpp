#include "diffuse/data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <torch/torch.h>

#include "diffuse/io/image.h"
#include "diffuse/util/error.h"

namespace diffuse {

std::vector<std::string> list_image_files(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  check(fs::is_directory(directory, error), "image folder " + directory + " does not exist");
  static const std::vector<std::string> kExtensions{".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".ppm", ".pgm"};
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    if (!entry.is_regular_file(error)) continue;
    std::string extension = entry.path().extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (std::find(kExtensions.begin(), kExtensions.end(), extension) != kExtensions.end()) {
      files.push_back(entry.path().string());
    }
  }
  check(!error, "cannot list " + directory + ": " + error.message());
  std::sort(files.begin(), files.end());
  return files;
}

torch::Tensor center_crop_and_resize(const torch::Tensor& image, int64_t size) {
  check(image.dim() == 3 && size >= 1, "center_crop_and_resize: expected [C, H, W] and size >= 1");
  const int64_t h = image.size(1), w = image.size(2), side = std::min(h, w);
  const torch::Tensor square = image.slice(1, (h - side) / 2, (h - side) / 2 + side).slice(2, (w - side) / 2, (w - side) / 2 + side);
  if (side == size) return square.contiguous();
  namespace F = torch::nn::functional;
  auto options = F::InterpolateFuncOptions().size(std::vector<int64_t>{size, size});
  options = side > size ? options.mode(torch::kArea) : options.mode(torch::kBilinear).align_corners(false);
  return F::interpolate(square.unsqueeze(0), options).squeeze(0).clamp(-1.0, 1.0);
}

namespace {

// The sub-folders of `directory`, sorted by name.
std::vector<std::string> list_subdirectories(const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  std::vector<std::string> folders;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    if (entry.is_directory(error)) folders.push_back(entry.path().filename().string());
  }
  check(!error, "cannot list " + directory + ": " + error.message());
  std::sort(folders.begin(), folders.end());
  return folders;
}

}  // namespace

ImageFolderListing list_image_folder(const std::string& directory) {
  ImageFolderListing listing;
  listing.files = list_image_files(directory);
  if (listing.files.empty()) {
    for (const std::string& folder : list_subdirectories(directory)) {
      const std::vector<std::string> members = list_image_files((std::filesystem::path(directory) / folder).string());
      if (members.empty()) continue;
      listing.labels.insert(listing.labels.end(), members.size(), static_cast<int64_t>(listing.class_names.size()));
      listing.files.insert(listing.files.end(), members.begin(), members.end());
      listing.class_names.push_back(folder);
    }
  }
  check(!listing.files.empty(), "image folder " + directory + " holds no PNG/JPEG/BMP images, nor sub-folders of them");
  return listing;
}

std::string describe_image_folder(const std::string& directory, const ImageFolderListing& listing,
                                  const std::string& what) {
  std::string description = "images:" + directory + " (" + std::to_string(listing.files.size()) + " images, " + what;
  if (!listing.class_names.empty()) description += ", " + std::to_string(listing.class_names.size()) + " classes by folder";
  return description + ")";
}

std::unique_ptr<TensorImageDataset> load_image_folder(const std::string& directory, int64_t channels,
                                                      int64_t image_size) {
  check(channels == 1 || channels == 3, "image folder: channels must be 1 or 3");
  const ImageFolderListing listing = list_image_folder(directory);
  std::vector<torch::Tensor> images;
  images.reserve(listing.files.size());
  for (const auto& file : listing.files) images.push_back(center_crop_and_resize(load_image(file, channels), image_size));
  const std::string size = std::to_string(image_size);
  const std::string description =
      describe_image_folder(directory, listing, std::to_string(channels) + "x" + size + "x" + size);
  torch::Tensor label_tensor = listing.labels.empty() ? torch::Tensor() : torch::tensor(listing.labels, torch::kLong);
  return std::make_unique<TensorImageDataset>(torch::stack(images, 0), description, label_tensor, listing.class_names);
}

}  // namespace diffuse
