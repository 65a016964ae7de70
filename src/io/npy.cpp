#include "diffuse/io/npy.h"

#include <cstring>
#include <limits>
#include <regex>

#include <torch/torch.h>

#include "diffuse/io/atomic_file.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

// The header is a Python dict literal, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Only what numpy itself writes is accepted: the three keys, in any order.
Header parse_header(const std::string& text, const std::string& name) {
  static const std::regex descr(R"('descr'\s*:\s*'([^']*)')");
  static const std::regex order(R"('fortran_order'\s*:\s*(True|False))");
  static const std::regex shape(R"('shape'\s*:\s*\(([^)]*)\))");
  std::smatch m;
  Header header;
  const std::string trimmed = text.substr(0, text.find_last_not_of(" \n\x20") + 1);
  check(!trimmed.empty() && trimmed.front() == '{' && trimmed.back() == '}',
        name + ": not a .npy file (its header is not a dict)");
  check(std::regex_search(text, m, descr), name + ": not a .npy file (no 'descr' in its header)");
  header.descr = m[1];
  check(std::regex_search(text, m, order), name + ": not a .npy file (no 'fortran_order' in its header)");
  header.fortran_order = m[1] == "True";
  check(std::regex_search(text, m, shape), name + ": not a .npy file (no 'shape' in its header)");
  const std::string dims = m[1];
  static const std::regex number(R"(\s*(\d+)\s*(,|$))");
  size_t position = 0;
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    check(static_cast<size_t>(it->position()) == position, name + ": unreadable shape (" + dims + ")");
    const std::string digits = (*it)[1];
    check(digits.size() <= 12, name + ": a dimension of the shape is too large (" + digits + ")");
    header.shape.push_back(std::stoll(digits));
    position += static_cast<size_t>(it->length());
  }
  check(dims.find_first_not_of(" \t") == std::string::npos || position == dims.size(),
        name + ": unreadable shape (" + dims + ")");
  return header;
}

}  // namespace

torch::Tensor parse_npy(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  check(bytes.size() >= kMagicSize + 4 && std::memcmp(bytes.data(), kMagic, kMagicSize) == 0,
        name + ": not a .npy file (no \\x93NUMPY magic string)");
  const int major = bytes[6];
  check(major >= 1 && major <= 3, name + ": .npy version " + std::to_string(major) + " is not supported");
  size_t header_length = 0, offset = 0;
  if (major == 1) {
    header_length = bytes[8] | (static_cast<size_t>(bytes[9]) << 8);
    offset = 10;
  } else {
    check(bytes.size() >= 12, name + ": truncated .npy header");
    for (int i = 0; i < 4; ++i) header_length |= static_cast<size_t>(bytes[8 + static_cast<size_t>(i)]) << (8 * i);
    offset = 12;
  }
  check(header_length <= bytes.size() - offset, name + ": truncated .npy header");
  // numpy's own headers are a few hundred bytes; a huge one is not an image.
  check(header_length <= 65536, name + ": the .npy header is implausibly long (" + std::to_string(header_length) +
                                    " bytes)");
  const std::string text(reinterpret_cast<const char*>(bytes.data() + offset), header_length);
  const Header header = parse_header(text, name);
  offset += header_length;
  check(!header.fortran_order, name + ": Fortran-ordered arrays are not supported (save with C order)");
  torch::ScalarType type;
  size_t item = 0;
  if (header.descr == "<f4") {
    type = torch::kFloat32, item = 4;
  } else if (header.descr == "<f8") {
    type = torch::kFloat64, item = 8;
  } else if (header.descr == "|u1" || header.descr == "<u1") {
    type = torch::kUInt8, item = 1;
  } else {
    throw Error(name + ": arrays of '" + header.descr + "' are not supported (float32 '<f4', float64 '<f8' or uint8)");
  }
  size_t count = 1;
  for (int64_t d : header.shape) {
    check(d >= 0 && (d == 0 || count <= std::numeric_limits<size_t>::max() / 16 / static_cast<size_t>(d)),
          name + ": the shape is too large");
    count *= static_cast<size_t>(d);
  }
  check(bytes.size() - offset == count * item,
        name + ": the shape promises " + std::to_string(count * item) + " bytes of data, the file holds " +
            std::to_string(bytes.size() - offset));
  torch::Tensor raw = torch::empty(header.shape, type);
  if (count > 0) std::memcpy(raw.data_ptr(), bytes.data() + offset, count * item);
  return raw.to(torch::kFloat64);
}

torch::Tensor read_npy(const std::string& path) { return parse_npy(read_file_bytes(path), path); }

std::string npy_bytes(const torch::Tensor& array) {
  check(array.defined(), "npy: no array to write");
  const torch::Tensor data = array.to(torch::kCPU).to(torch::kFloat32).contiguous();
  std::string shape;  // as Python writes tuples: (), (3,), (3, 4)
  for (int64_t d : data.sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  shape = "(" + shape + (data.dim() == 1 ? ",)" : ")");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces to a multiple of 64 bytes, ending with a newline.
  const size_t total = kMagicSize + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string bytes(kMagic, kMagicSize);
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(data.data_ptr()), static_cast<size_t>(data.numel()) * 4);
  return bytes;
}

void write_npy(const std::string& path, const torch::Tensor& array) { write_file_atomically(path, npy_bytes(array)); }

}  // namespace diffuse
