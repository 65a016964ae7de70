#include "diffuse/data/idx.h"

#include <cstring>
#include <filesystem>

#include <torch/torch.h>

#include "diffuse/io/gzip.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

std::uint32_t read_big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

}  // namespace

torch::Tensor read_idx_ubyte(const std::string& path) { return parse_idx_ubyte(read_maybe_gzipped(path), path); }

torch::Tensor parse_idx_ubyte(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  check(bytes.size() >= 4, path + ": not an IDX file (shorter than its 4-byte magic number)");
  check(bytes[0] == 0 && bytes[1] == 0, path + ": not an IDX file (magic number must start with two zero bytes)");
  check(bytes[2] == 0x08, path + ": IDX element type " + std::to_string(bytes[2]) +
                              " is not supported (expected 8, unsigned bytes)");
  const int dims = bytes[3];
  check(dims >= 1 && dims <= 4, path + ": IDX file with " + std::to_string(dims) + " dimensions (expected 1 to 4)");
  const size_t header = 4 + 4 * static_cast<size_t>(dims);
  check(bytes.size() >= header, path + ": truncated IDX header");
  std::vector<int64_t> shape;
  std::uint64_t elements = 1;
  constexpr std::uint64_t kMaxElements = std::uint64_t{1} << 34;
  for (int d = 0; d < dims; ++d) {
    const std::uint32_t size = read_big_endian_u32(bytes.data() + 4 + 4 * d);
    shape.push_back(size);
    // Check before multiplying, so the product cannot wrap around.
    check(size == 0 || elements <= kMaxElements / size, path + ": IDX sizes are implausibly large");
    elements *= size;
  }
  check(bytes.size() - header == elements,
        path + ": IDX header promises " + std::to_string(elements) + " bytes of data but the file holds " +
            std::to_string(bytes.size() - header) + (bytes.size() - header < elements ? " (truncated?)" : ""));
  torch::Tensor tensor = torch::empty(shape, torch::kUInt8);
  if (elements > 0) std::memcpy(tensor.data_ptr(), bytes.data() + header, elements);
  return tensor;
}

IdxImages read_idx_images(const std::string& images_path, const std::string& labels_path) {
  IdxImages result{read_idx_ubyte(images_path), read_idx_ubyte(labels_path)};
  check(result.images.dim() == 3, images_path + ": expected an IDX images file [N, H, W], got " +
                                      std::to_string(result.images.dim()) + " dimensions");
  check(result.labels.dim() == 1, labels_path + ": expected an IDX labels file [N]");
  check(result.labels.size(0) == result.images.size(0),
        labels_path + ": " + std::to_string(result.labels.size(0)) + " labels for " +
            std::to_string(result.images.size(0)) + " images in " + images_path);
  return result;
}

std::string find_idx_file(const std::string& directory, const std::string& stem) {
  namespace fs = std::filesystem;
  std::error_code error;
  check(fs::is_directory(directory, error), "data directory " + directory + " does not exist");
  for (const std::string& name : {stem + ".gz", stem}) {
    const fs::path candidate = fs::path(directory) / name;
    if (fs::is_regular_file(candidate, error)) return candidate.string();
  }
  throw Error("no " + stem + "[.gz] in " + directory);
}

}  // namespace diffuse
