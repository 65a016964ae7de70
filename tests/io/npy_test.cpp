#include "diffuse/io/npy.h"

#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"

namespace diffuse {
namespace {

// A .npy as numpy 1.x writes one: magic, version 1.0, a little-endian
// uint16 header length, the dict padded with spaces to a 64-byte boundary
// and ended by a newline, then the data.
std::vector<std::uint8_t> numpy_file(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  if (major != 1) bytes += std::string(2, '\0');
  bytes += header + data;
  return std::vector<std::uint8_t>(bytes.begin(), bytes.end());
}

std::string floats(std::initializer_list<float> values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.begin(), out.size());
  return out;
}

TEST(Npy, ReadsWhatNumpyWrites) {
  const auto bytes = numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                floats({0.5f, -1.0f, 255.25f, 3.0f, 1e-3f, 7.0f}));
  ASSERT_EQ(bytes.size() % 4, 0u);
  const torch::Tensor a = parse_npy(bytes, "a.npy");
  ASSERT_EQ(a.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.scalar_type(), torch::kFloat64);
  EXPECT_DOUBLE_EQ(a[0][2].item<double>(), 255.25);
  EXPECT_DOUBLE_EQ(a[1][1].item<double>(), static_cast<double>(1e-3f));
  // float64, uint8, version 2.0, keys in another order, a 1-d shape.
  double d[] = {1.5, -2.25};
  const auto f8 = numpy_file("{'shape': (2,), 'fortran_order': False, 'descr': '<f8'}",
                             std::string(reinterpret_cast<const char*>(d), sizeof d), 2);
  EXPECT_TRUE(torch::equal(parse_npy(f8, "b.npy"), torch::tensor({1.5, -2.25}, torch::kFloat64)));
  const auto u1 = numpy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), }", "\x01\x02\xfe\xff");
  EXPECT_EQ(parse_npy(u1, "c.npy").flatten()[3].item<double>(), 255.0);
}

TEST(Npy, WritesWhatItReadsBackAsFloat32) {
  const torch::Tensor image = torch::rand({5, 4, 3}, torch::kFloat64) * 255.0;
  const std::string bytes = npy_bytes(image);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  EXPECT_EQ((10 + header) % 64, 0u);
  EXPECT_NE(bytes.find("'shape': (5, 4, 3)"), std::string::npos);
  EXPECT_EQ(bytes.size(), 10 + header + 5 * 4 * 3 * 4);
  const torch::Tensor back = parse_npy(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "x.npy");
  EXPECT_TRUE(torch::equal(back, image.to(torch::kFloat32).to(torch::kFloat64)));
  EXPECT_NE(npy_bytes(torch::zeros({3})).find("'shape': (3,)"), std::string::npos);

  const std::string path = (std::filesystem::temp_directory_path() / "diffuse_npy_test.npy").string();
  write_npy(path, image);
  EXPECT_TRUE(torch::equal(read_npy(path), back));
  std::filesystem::remove(path);
}

TEST(Npy, RefusesWhatItCannotRead) {
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  const std::string data = floats({1, 2, 3, 4});
  const auto error = [](const std::vector<std::uint8_t>& bytes) {
    try {
      parse_npy(bytes, "bad.npy");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0}).find("not a .npy file"), std::string::npos);
  auto truncated = numpy_file(dict, data);
  truncated.pop_back();
  EXPECT_NE(error(truncated).find("the shape promises 16 bytes"), std::string::npos);
  EXPECT_NE(error(numpy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", data)).find("'>f4'"),
            std::string::npos);
  EXPECT_NE(error(numpy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", data)).find("Fortran"),
            std::string::npos);
  EXPECT_NE(error(numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2 2), }", data)).find("shape"),
            std::string::npos);
  EXPECT_NE(error(numpy_file("{'descr': '<f4', 'fortran_order': False}", data)).find("'shape'"), std::string::npos);
  EXPECT_NE(error(numpy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999, 2), }", data))
                .find("too large"),
            std::string::npos);
  auto long_header = numpy_file(dict, data);
  long_header[8] = 0xff, long_header[9] = 0xff;  // claims 65535 header bytes
  EXPECT_NE(error(long_header).find("truncated"), std::string::npos);
  EXPECT_THROW(read_npy("/nonexistent/x.npy"), Error);
}

}  // namespace
}  // namespace diffuse
