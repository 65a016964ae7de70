#include "diffuse/data/image_patches.h"

#include <algorithm>
#include <filesystem>

#include <torch/torch.h>

#include "diffuse/data/image_folder.h"
#include "diffuse/io/image.h"
#include "diffuse/noise.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

// The stream of crop places and symmetries, apart from training's noise.
constexpr std::uint64_t kPatchStream = 0x5eed0002;

// The uniform draws of one crop's key.
enum Draw : std::uint64_t { kTop = 0, kLeft = 1, kSymmetry = 2 };

int64_t uniform_index(std::uint64_t key, std::uint64_t draw, int64_t count) {
  return std::min<int64_t>(static_cast<int64_t>(keyed_uniform(key, draw) * static_cast<double>(count)), count - 1);
}

std::string size_text(const torch::Tensor& image) {
  return std::to_string(image.size(2)) + "x" + std::to_string(image.size(1));
}

}  // namespace

ImagePatchDataset::ImagePatchDataset(std::vector<torch::Tensor> images, int64_t patch_size, std::string description,
                                     std::vector<int64_t> labels, std::vector<std::string> class_names,
                                     int64_t patches_per_image)
    : images_(std::move(images)),
      patch_size_(patch_size),
      description_(std::move(description)),
      labels_(std::move(labels)),
      class_names_(std::move(class_names)),
      patches_per_image_(patches_per_image) {
  check(!images_.empty(), "image patches: no images");
  check(patch_size_ >= 1 && patches_per_image_ >= 1, "image patches: patch size and patches per image must be >= 1");
  check(labels_.empty() == class_names_.empty() && (labels_.empty() || labels_.size() == images_.size()),
        "image patches: one label per image, with their class names");
  for (auto& image : images_) {
    check(image.dim() == 3 && image.size(0) == images_.front().size(0),
          "image patches: expected [C, H, W] images with the same C, got " + c10::str(image.sizes()));
    check(image.size(1) >= patch_size_ && image.size(2) >= patch_size_,
          "image patches: a " + size_text(image) + " image is smaller than the " + std::to_string(patch_size_) +
              "-pixel crop");
    image = image.to(torch::kFloat32).contiguous();
  }
  for (const int64_t label : labels_) {
    check(label >= 0 && label < static_cast<int64_t>(class_names_.size()), "image patches: a label lies outside the classes");
  }
}

std::vector<int64_t> ImagePatchDataset::sample_shape() const {
  return {images_.front().size(0), patch_size_, patch_size_};
}

torch::Tensor ImagePatchDataset::patch(int64_t index) const {
  check(index >= 0 && index < size(), "image patches: index " + std::to_string(index) + " outside [0, " +
                                          std::to_string(size()) + ")");
  const torch::Tensor& image = images_[static_cast<size_t>(index % static_cast<int64_t>(images_.size()))];
  const std::uint64_t key = derive_key(kPatchStream, static_cast<std::uint64_t>(index));
  const int64_t top = uniform_index(key, kTop, image.size(1) - patch_size_ + 1);
  const int64_t left = uniform_index(key, kLeft, image.size(2) - patch_size_ + 1);
  const int64_t symmetry = uniform_index(key, kSymmetry, 8);
  torch::Tensor crop = image.slice(1, top, top + patch_size_).slice(2, left, left + patch_size_);
  if (symmetry >= 4) crop = crop.flip({2});
  return torch::rot90(crop, symmetry % 4, {1, 2}).contiguous();
}

Batch ImagePatchDataset::get_batch(const std::vector<int64_t>& indices) const {
  std::vector<torch::Tensor> patches;
  patches.reserve(indices.size());
  for (const int64_t index : indices) patches.push_back(patch(index));
  Batch batch{torch::stack(patches, 0), {}};
  if (!labels_.empty()) {
    std::vector<int64_t> labels;
    for (const int64_t index : indices) labels.push_back(labels_[static_cast<size_t>(index % static_cast<int64_t>(images_.size()))]);
    batch.conditioning.class_labels = torch::tensor(labels, torch::kLong);
  }
  return batch;
}

std::unique_ptr<ImagePatchDataset> load_image_patches(const std::string& directory, int64_t channels,
                                                      int64_t patch_size) {
  check(channels == 1 || channels == 3, "image patches: channels must be 1 or 3");
  const ImageFolderListing listing = list_image_folder(directory);
  std::vector<torch::Tensor> images;
  images.reserve(listing.files.size());
  int64_t pixels = 0;
  for (const auto& file : listing.files) {
    torch::Tensor image = load_image(file, channels);
    check(image.size(1) >= patch_size && image.size(2) >= patch_size,
          "image " + file + " is " + size_text(image) + ", smaller than the model's " + std::to_string(patch_size) +
              "x" + std::to_string(patch_size) + " training crops: leave it out, or train a model of smaller crops");
    pixels += image.size(1) * image.size(2);
    images.push_back(std::move(image));
  }
  const std::string size = std::to_string(patch_size);
  const std::string description = describe_image_folder(
      directory, listing,
      std::to_string(pixels / 1000) + "k pixels, random " + std::to_string(channels) + "x" + size + "x" + size + " crops");
  return std::make_unique<ImagePatchDataset>(std::move(images), patch_size, description, listing.labels,
                                             listing.class_names);
}

}  // namespace diffuse
