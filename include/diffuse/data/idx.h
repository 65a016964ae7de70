#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace diffuse {

// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian
// magic 0x0000TTDD (TT = 0x08 for unsigned bytes, DD = number of dimensions),
// DD big-endian uint32 sizes, then the data. Reads gzipped or raw files.
// Throws Error naming the file for a bad magic, a size that disagrees with
// the data length, or a truncated or corrupt file.
torch::Tensor read_idx_ubyte(const std::string& path);  // uint8 tensor, shape from the file
// The same from the file's (decompressed) bytes; `source` names it in errors.
torch::Tensor parse_idx_ubyte(const std::vector<std::uint8_t>& bytes, const std::string& source);

// An images file ([N, H, W]) and its labels file ([N], 0-9), checked to agree.
struct IdxImages {
  torch::Tensor images;  // uint8 [N, H, W]
  torch::Tensor labels;  // uint8 [N]
};
IdxImages read_idx_images(const std::string& images_path, const std::string& labels_path);

// Finds `stem` or `stem.gz` (e.g. "train-images-idx3-ubyte") in `directory`.
std::string find_idx_file(const std::string& directory, const std::string& stem);

}  // namespace diffuse
