#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace diffuse {

// NumPy's .npy format (versions 1.0, 2.0 and 3.0 of numpy.lib.format): a
// magic string, a header dict {'descr', 'fortran_order', 'shape'} and the
// raw array. Restoration reads and writes float images this way, because
// the field's protocols add noise in float and score data that was never
// rounded to 8 bits.

// Reads a little-endian, C-ordered array of float32 ('<f4'), float64
// ('<f8') or uint8 ('|u1') as a float64 tensor of its shape. Throws Error
// naming the file for anything else: a wrong magic string, a header that is
// not a dict of those three keys, Fortran order, big-endian or other types,
// a shape whose size does not match the bytes that follow, a truncated file.
torch::Tensor read_npy(const std::string& path);

// The bytes of a .npy (version 1.0) holding `array` as float32 ('<f4'),
// C order; `array` may be of any floating or integer type.
std::string npy_bytes(const torch::Tensor& array);

// Writes npy_bytes(array) to `path` atomically (write_file_atomically).
void write_npy(const std::string& path, const torch::Tensor& array);

// The same parser on bytes in memory (`name` names them in errors).
torch::Tensor parse_npy(const std::vector<std::uint8_t>& bytes, const std::string& name);

}  // namespace diffuse
