#pragma once

#include <memory>
#include <string>

#include "diffuse/data/dataset.h"
#include "diffuse/models/model_config.h"

namespace diffuse {

// A parsed data spec: "KIND:ARGUMENT".
//   mnist[:DIR]          the four MNIST IDX files (gzipped or raw) in DIR
//                        (default $DIFFUSE_DATA/mnist)
//   fashion-mnist[:DIR]  the same for Fashion-MNIST (default
//                        /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)
//   images:DIR           a folder of PNG/JPEG images
//   toy2d:NAME           swissroll, moons, 8gaussians or checkerboard
struct DataSpec {
  std::string kind;
  std::string argument;
};
DataSpec parse_data_spec(const std::string& spec);

// The folder of an mnist or fashion-mnist spec (its argument, or the default
// folder, checked to exist); Error for other kinds.
std::string idx_directory(const DataSpec& spec);

// True for specs whose samples are 2-D points rather than images.
bool is_point_data(const std::string& spec);

// Opens the training split the spec names, shaped for `model` (images are
// converted to the model's channels and resized to its image size). Throws
// Error with the reason when the data is missing, corrupt or cannot fit the model.
std::unique_ptr<Dataset> open_dataset(const std::string& spec, const ModelConfig& model);

}  // namespace diffuse
