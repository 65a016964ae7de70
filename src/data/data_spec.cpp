#include "diffuse/data/data_spec.h"

#include <cstdlib>
#include <filesystem>

#include <torch/torch.h>

#include "diffuse/data/idx.h"
#include "diffuse/data/image_folder.h"
#include "diffuse/data/image_patches.h"
#include "diffuse/data/qm9.h"
#include "diffuse/data/toy2d.h"
#include "diffuse/planning/maze_trajectories.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr const char* kFashionMnistDebianDir = "/usr/share/datasets/fashion-mnist";
constexpr const char* kSpecHelp =
    "expected mnist[:DIR], fashion-mnist[:DIR], images:DIR, toy2d:NAME, qm9[:DIR] or maze2d:FILE";

std::string default_data_root() {
  const char* root = std::getenv("DIFFUSE_DATA");
  return root != nullptr && *root != '\0' ? root : "data";
}

std::unique_ptr<Dataset> open_idx(const std::string& spec, const DataSpec& parsed, const ImageFormat& format) {
  check(format.channels == 1 || format.channels == 3, "data '" + spec + "': images are read with 1 or 3 channels");
  const std::string directory = idx_directory(parsed);
  const IdxImages idx = read_idx_images(find_idx_file(directory, "train-images-idx3-ubyte"),
                                        find_idx_file(directory, "train-labels-idx1-ubyte"));
  torch::Tensor images = idx.images.unsqueeze(1).to(torch::kFloat32).div(127.5).sub(1.0);
  if (format.channels == 3) images = images.repeat({1, 3, 1, 1});
  if (images.size(2) != format.image_size || images.size(3) != format.image_size) {
    namespace F = torch::nn::functional;
    images = F::interpolate(images, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{format.image_size, format.image_size})
                                        .mode(torch::kBilinear)
                                        .align_corners(false))
                 .clamp(-1.0, 1.0);
  }
  return std::make_unique<TensorImageDataset>(
      images, spec + " (" + std::to_string(images.size(0)) + " training images from " + directory + ")",
      idx.labels.to(torch::kLong), idx_class_names(parsed.kind));
}

}  // namespace

DataSpec parse_data_spec(const std::string& spec) {
  check(!spec.empty(), std::string("no data given: ") + kSpecHelp);
  const auto colon = spec.find(':');
  DataSpec parsed{spec.substr(0, colon), colon == std::string::npos ? "" : spec.substr(colon + 1)};
  if (parsed.kind == "mnist" || parsed.kind == "fashion-mnist" || parsed.kind == "qm9") return parsed;
  if (parsed.kind == "images" || parsed.kind == "toy2d" || parsed.kind == "maze2d") {
    check(!parsed.argument.empty(), "data spec '" + spec + "' needs an argument after ':' (" + kSpecHelp + ")");
    return parsed;
  }
  throw Error("unknown data spec '" + spec + "': " + kSpecHelp);
}

bool is_point_data(const std::string& spec) { return parse_data_spec(spec).kind == "toy2d"; }

std::string idx_directory(const DataSpec& spec) {
  check(spec.kind == "mnist" || spec.kind == "fashion-mnist",
        "data '" + spec.kind + "' is not an IDX dataset: expected mnist[:DIR] or fashion-mnist[:DIR]");
  if (!spec.argument.empty()) return spec.argument;
  if (spec.kind == "fashion-mnist") return kFashionMnistDebianDir;
  const std::string directory = (std::filesystem::path(default_data_root()) / "mnist").string();
  std::error_code error;
  check(std::filesystem::is_directory(directory, error),
        "no MNIST in " + directory + ": give mnist:DIR, or set DIFFUSE_DATA to the folder that holds mnist/");
  return directory;
}

std::unique_ptr<Dataset> open_dataset(const std::string& spec, const ImageFormat& format) {
  DatasetOptions options;
  options.image = format;
  return open_dataset(spec, options);
}

bool is_molecule_data(const std::string& spec) { return parse_data_spec(spec).kind == "qm9"; }

bool is_trajectory_data(const std::string& spec) { return parse_data_spec(spec).kind == "maze2d"; }

std::unique_ptr<Dataset> open_dataset(const std::string& spec, const DatasetOptions& options) {
  const ImageFormat& format = options.image;
  const DataSpec parsed = parse_data_spec(spec);
  check(!format.random_crops || parsed.kind == "images",
        "data '" + spec + "': random crops (the photo-grey preset's data.random_crops) are taken from images:DIR "
        "data only");
  if (parsed.kind == "qm9") return std::make_unique<Qm9Dataset>(spec, options.no_hydrogens);
  check(!options.no_hydrogens, "data '" + spec + "': --no-hydrogens applies to molecules (qm9) only");
  check(options.trajectory_stride == 1 || parsed.kind == "maze2d",
        "data '" + spec + "': a trajectory stride (data.trajectory_stride) applies to trajectories (maze2d:FILE) only");
  if (parsed.kind == "maze2d") {
    check(options.horizon >= 2, "data '" + spec + "': trajectories need a model of trajectories (a maze2d preset)");
    return std::make_unique<MazeTrajectoryDataset>(parsed.argument, options.horizon, options.trajectory_limits,
                                                   options.trajectory_stride);
  }
  if (parsed.kind == "mnist" || parsed.kind == "fashion-mnist") return open_idx(spec, parsed, format);
  if (parsed.kind == "images") {
    check(format.channels == 1 || format.channels == 3, "data '" + spec + "': images are read with 1 or 3 channels");
    if (format.random_crops) return load_image_patches(parsed.argument, format.channels, format.image_size);
    return load_image_folder(parsed.argument, format.channels, format.image_size);
  }
  return std::make_unique<Toy2dDataset>(parsed.argument);
}

std::vector<std::string> idx_class_names(const std::string& kind) {
  if (kind == "fashion-mnist") {
    // Xiao et al. 2017, table 1.
    return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  }
  check(kind == "mnist", "no class names for data '" + kind + "'");
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

}  // namespace diffuse
