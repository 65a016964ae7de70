#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "diffuse/data/dataset.h"

namespace diffuse {

// Square crops of photographs at their own resolution, the way image
// restoration networks train (DnCNN, Zhang et al. 2017, section 4.1: patches
// of the 400 training images, flipped and rotated): nothing is resized, so
// the model learns the statistics of real pixels, and the images may have any
// size at least the crop's. Sample i is a crop of image i mod N at a place and
// in one of the 8 symmetries of the square (4 rotations by 90 degrees, each
// mirrored or not) drawn from a key of i alone, so a resumed run and every
// batch split see the same crops; `patches_per_image` crops of each image make
// one epoch, and every epoch revisits them in a new order (on train400's 400
// images, 204,800 crops: photo-grey's 7,500 steps of 32 see each about once;
// a folder of few images repeats its crops sooner).
class ImagePatchDataset : public Dataset {
 public:
  static constexpr int64_t kDefaultPatchesPerImage = 512;

  // images: [C, H, W] each, in [-1, 1], all with the same C and H, W >=
  // patch_size; labels: empty, or one per image in [0, class_names.size()).
  ImagePatchDataset(std::vector<torch::Tensor> images, int64_t patch_size, std::string description,
                    std::vector<int64_t> labels = {}, std::vector<std::string> class_names = {},
                    int64_t patches_per_image = kDefaultPatchesPerImage);

  int64_t size() const override { return static_cast<int64_t>(images_.size()) * patches_per_image_; }
  std::vector<int64_t> sample_shape() const override;
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  std::string describe() const override { return description_; }
  bool is_image() const override { return true; }
  std::vector<std::string> class_names() const override { return class_names_; }

  // Crop `index` alone, [C, patch_size, patch_size].
  torch::Tensor patch(int64_t index) const;

 private:
  std::vector<torch::Tensor> images_;
  int64_t patch_size_;
  std::string description_;
  std::vector<int64_t> labels_;
  std::vector<std::string> class_names_;
  int64_t patches_per_image_;
};

// The images of a folder (as load_image_folder finds them, class sub-folders
// included) at their own size, converted to `channels` (1 or 3), cut into
// patch_size crops. Throws Error naming a file smaller than the crop.
std::unique_ptr<ImagePatchDataset> load_image_patches(const std::string& directory, int64_t channels,
                                                      int64_t patch_size);

}  // namespace diffuse
