#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

namespace diffuse {

enum class Split { kTrain, kTest };

// Images with their class labels, for classifiers and reference sets.
struct LabelledImages {
  torch::Tensor images;  // float32 [N, 1, H, W] in [-1, 1], scaled like the diffusion models' data
  torch::Tensor labels;  // int64 [N]
  std::string description;
  std::vector<std::string> class_names;  // of the labels, e.g. "0".."9" for mnist
};

// "mnist[:DIR][:train|:test]" or "fashion-mnist[:DIR][:train|:test]": one
// split of the IDX files (DIR as in data_spec.h); without a split suffix,
// `default_split`. Throws Error for other kinds of data, or missing files.
LabelledImages load_labelled_images(const std::string& spec, Split default_split);

// The same spec with its split made explicit, e.g. "mnist:data/mnist:test".
std::string with_split(const std::string& spec, Split default_split);

}  // namespace diffuse
