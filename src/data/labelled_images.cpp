#include "diffuse/data/labelled_images.h"

#include <torch/torch.h>

#include "diffuse/data/data_spec.h"
#include "diffuse/data/idx.h"
#include "diffuse/util/error.h"
#include "diffuse/util/format.h"

namespace diffuse {

namespace {

// Splits "KIND[:DIR][:train|:test]" into the data spec and the split.
std::pair<DataSpec, Split> parse_split(const std::string& spec, Split default_split) {
  DataSpec parsed = parse_data_spec(spec);
  Split split = default_split;
  for (const auto& [name, value] : {std::pair{std::string("train"), Split::kTrain}, std::pair{std::string("test"), Split::kTest}}) {
    if (parsed.argument == name) {
      parsed.argument.clear();
      split = value;
    } else if (ends_with(parsed.argument, ":" + name)) {
      parsed.argument.resize(parsed.argument.size() - name.size() - 1);
      split = value;
    }
  }
  return {parsed, split};
}

}  // namespace

std::string with_split(const std::string& spec, Split default_split) {
  const auto [parsed, split] = parse_split(spec, default_split);
  return parsed.kind + (parsed.argument.empty() ? "" : ":" + parsed.argument) +
         (split == Split::kTrain ? ":train" : ":test");
}

LabelledImages load_labelled_images(const std::string& spec, Split default_split) {
  const auto [parsed, split] = parse_split(spec, default_split);
  const std::string directory = idx_directory(parsed);
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const IdxImages idx = read_idx_images(find_idx_file(directory, prefix + "-images-idx3-ubyte"),
                                        find_idx_file(directory, prefix + "-labels-idx1-ubyte"));
  LabelledImages result;
  result.images = idx.images.unsqueeze(1).to(torch::kFloat32).div(127.5).sub(1.0);
  result.labels = idx.labels.to(torch::kLong);
  result.class_names = idx_class_names(parsed.kind);
  result.description = std::to_string(result.images.size(0)) + " " + (split == Split::kTrain ? "training" : "test") +
                       " images of " + parsed.kind + " from " + directory;
  return result;
}

}  // namespace diffuse
