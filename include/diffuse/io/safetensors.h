#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <torch/types.h>

namespace diffuse {

// The safetensors format (the Hugging Face ecosystem's weight files): an
// 8-byte little-endian header length N, N bytes of JSON naming each tensor's
// dtype, shape and [begin, end) byte range, then the raw little-endian data.
// Files written here load in Python with safetensors.torch.load_file.
struct TensorFile {
  std::map<std::string, torch::Tensor> tensors;
  std::map<std::string, std::string> metadata;  // the "__metadata__" string map
};

// The file's bytes. Tensors are written contiguous, on the CPU, in their
// dtype (float32/64, bfloat16, float16, int64/32/16/8, uint8, bool). The
// metadata gains "diffuse_crc32", the CRC-32 of the whole file (taken with
// its own digits as '0'), so damage is detected on reading; the key is
// reserved and never appears in a parsed TensorFile's metadata.
std::string serialize_safetensors(const TensorFile& file);
// Strict parser: the header must be valid JSON under 100 MB, every dtype
// known, every byte range inside the data, matching its shape, and no two
// ranges may overlap; a file with a checksum must match it (files from other
// writers have none and are read without). `source` names the file in
// error messages. Throws only Error.
TensorFile parse_safetensors(const std::vector<std::uint8_t>& bytes, const std::string& source);

// Atomic write (see atomic_file.h) and read of a whole file.
void save_safetensors(const std::string& path, const TensorFile& file);
TensorFile load_safetensors(const std::string& path);

}  // namespace diffuse
