#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/data/dataset.h"

namespace diffuse {

// The image files (png, jpg, jpeg, bmp, gif, tga, ppm, pgm) directly in
// `directory`, sorted by name.
std::vector<std::string> list_image_files(const std::string& directory);

// The images of a folder: its own image files, or, when it has none, those
// of its sub-folders labelled by sub-folder in name order (the ImageFolder
// convention of torchvision). Throws Error when there are none.
struct ImageFolderListing {
  std::vector<std::string> files;
  std::vector<int64_t> labels;            // one per file; empty without class folders
  std::vector<std::string> class_names;   // the sub-folders that hold images
};
ImageFolderListing list_image_folder(const std::string& directory);
// "images:DIR (N images, <what>, K classes by folder)" for a dataset's describe().
std::string describe_image_folder(const std::string& directory, const ImageFolderListing& listing,
                                  const std::string& what);

// Centre-crops [C, H, W] to a square and resizes it to size x size (area
// averaging when shrinking, bilinear when enlarging).
torch::Tensor center_crop_and_resize(const torch::Tensor& image, int64_t size);

// Every image of a folder, converted to `channels` (1 or 3), centre-cropped
// and resized to `image_size`, held in memory, labelled by class folder as
// list_image_folder finds them. Throws Error naming the first unreadable file,
// or when the folder has no images.
std::unique_ptr<TensorImageDataset> load_image_folder(const std::string& directory, int64_t channels,
                                                      int64_t image_size);

}  // namespace diffuse
