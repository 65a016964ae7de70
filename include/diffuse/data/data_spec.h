#pragma once

#include <memory>
#include <string>

#include "diffuse/data/dataset.h"
#include "diffuse/planning/trajectory_limits.h"

namespace diffuse {

// A parsed data spec: "KIND:ARGUMENT".
//   mnist[:DIR]          the four MNIST IDX files (gzipped or raw) in DIR
//                        (default $DIFFUSE_DATA/mnist)
//   fashion-mnist[:DIR]  the same for Fashion-MNIST (default
//                        /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)
//   images:DIR           a folder of PNG/JPEG images, or of sub-folders of them,
//                        one per class (the ImageFolder convention)
//   toy2d:NAME           swissroll, moons, 8gaussians or checkerboard
//   qm9[:DIR]            QM9 molecules, DIR/qm9.xyz.gz (default $DIFFUSE_DATA/qm9)
//   maze2d:FILE          trajectories of a Maze2D dataset (diffuse plan collect)
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

// How image data is prepared: converted to `channels` (1 or 3) and resized
// to image_size x image_size, or (images:DIR with random_crops) cut into
// random image_size crops at the images' own resolution. Point data ignores it.
struct ImageFormat {
  int64_t channels = 1;
  int64_t image_size = 28;
  bool random_crops = false;
};

// Opens the training split the spec names, with its labels where it has
// them (MNIST's label files, class folders, toy2d mixture components).
// Throws Error with the reason when the data is missing or corrupt.
std::unique_ptr<Dataset> open_dataset(const std::string& spec, const ImageFormat& format = {});

// What else shapes the data: images' format, molecules' hydrogens,
// trajectories' length and normalisation.
struct DatasetOptions {
  ImageFormat image;
  bool no_hydrogens = false;  // molecules: heavy atoms only
  int64_t horizon = 0;        // trajectories: steps per window (required for maze2d)
  int64_t trajectory_stride = 1;  // trajectories: every that many steps of the data is one step of a window
  TrajectoryLimits trajectory_limits;  // trajectories: empty to take them from the data
};
std::unique_ptr<Dataset> open_dataset(const std::string& spec, const DatasetOptions& options);

// True for specs of molecules (qm9).
bool is_molecule_data(const std::string& spec);
// True for specs of trajectories (maze2d).
bool is_trajectory_data(const std::string& spec);

// The class names of MNIST ("0".."9") and Fashion-MNIST ("T-shirt/top", ...).
std::vector<std::string> idx_class_names(const std::string& kind);

}  // namespace diffuse
