#include "diffuse/io/safetensors.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "diffuse/util/error.h"
#include "test_support.h"

namespace diffuse {
namespace {

std::vector<std::uint8_t> as_bytes(const std::string& text) { return {text.begin(), text.end()}; }

// A file built by hand from the format's definition: 8-byte little-endian
// header length, JSON header, data.
std::string handmade(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

TEST(Safetensors, ReadsAFileWrittenByHandFromTheSpecification) {
  const float values[2] = {1.5f, -2.0f};
  const std::string data(reinterpret_cast<const char*>(values), sizeof values);
  const std::string file = handmade(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"step":"3"}})", data);
  const TensorFile parsed = parse_safetensors(as_bytes(file), "hand.safetensors");
  ASSERT_EQ(parsed.tensors.count("w"), 1u);
  EXPECT_FLOAT_EQ(parsed.tensors.at("w")[0].item<float>(), 1.5f);
  EXPECT_FLOAT_EQ(parsed.tensors.at("w")[1].item<float>(), -2.0f);
  EXPECT_EQ(parsed.metadata.at("step"), "3");
}

TEST(Safetensors, RoundTripsEveryDtypeAndTheMetadata) {
  TensorFile file;
  file.tensors["f32"] = torch::randn({3, 4});
  file.tensors["f64"] = torch::randn({2}, torch::kFloat64);
  file.tensors["bf16"] = torch::randn({5}).to(torch::kBFloat16);
  file.tensors["i64"] = torch::arange(6, torch::kLong).reshape({2, 3});
  file.tensors["u8"] = torch::tensor({0, 255}, torch::kUInt8);
  file.tensors["scalar"] = torch::tensor(3.0);
  file.tensors["empty"] = torch::zeros({0, 4});
  file.metadata["format"] = "test";
  const std::string bytes = serialize_safetensors(file);
  // The data starts 8-byte aligned, as the reference implementation writes it.
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<std::uint8_t>(bytes[static_cast<size_t>(i)]);
  EXPECT_EQ(header_size % 8, 0u);
  const TensorFile back = parse_safetensors(as_bytes(bytes), "memory");
  ASSERT_EQ(back.tensors.size(), file.tensors.size());
  for (const auto& [name, tensor] : file.tensors) {
    EXPECT_EQ(back.tensors.at(name).scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(back.tensors.at(name), tensor)) << name;
  }
  EXPECT_EQ(back.metadata, file.metadata);
}

TEST(Safetensors, RejectsMalformedFilesWithTheReason) {
  const std::string data(8, '\0');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"short", std::string(4, '\0')},
      {"header too long", handmade("{}", "").replace(0, 8, std::string("\xff\xff\xff\xff\x00\x00\x00\x00", 8))},
      {"not json", handmade("{nope", data)},
      {"unknown dtype", handmade(R"({"w":{"dtype":"F8","shape":[2],"data_offsets":[0,8]}})", data)},
      {"outside data", handmade(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data)},
      {"size mismatch", handmade(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data)},
      {"reversed range", handmade(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}})", data)},
      {"overlap", handmade(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data)},
      {"element count wraps around", handmade(R"({"w":{"dtype":"U8","shape":[549755813888,33554432],"data_offsets":[0,0]}})", data)},
      {"negative dim", handmade(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data)},
      {"metadata not strings", handmade(R"({"__metadata__":{"a":1}})", "")},
  };
  for (const auto& [what, bytes] : cases) {
    try {
      parse_safetensors(as_bytes(bytes), "bad.safetensors");
      ADD_FAILURE() << what << ": accepted";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("bad.safetensors: ", 0), 0u) << what << ": " << e.what();
    }
  }
}

// The error parse_safetensors gives for `bytes`, or "" when it accepts them.
std::string parse_error(const std::string& bytes) {
  try {
    parse_safetensors(as_bytes(bytes), "f.safetensors");
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

TEST(Safetensors, TheChecksumCatchesAnyDamagedByte) {
  TensorFile file;
  file.tensors["w"] = torch::arange(16, torch::kFloat32);
  file.metadata["step"] = "7";
  const std::string good = serialize_safetensors(file);
  ASSERT_EQ(parse_error(good), "");
  EXPECT_NE(good.find("\"diffuse_crc32\":\""), std::string::npos);
  // A flipped bit in the data, in a metadata value and in a tensor's
  // shape-independent header text is each a damaged file, not a silent change.
  const size_t header_end = good.size() - 16 * sizeof(float);
  for (const size_t position : {good.size() - 3, good.find("\"7\"") + 1, header_end - 1}) {
    std::string damaged = good;
    damaged[position] = static_cast<char>(damaged[position] ^ 0x01);
    const std::string error = parse_error(damaged);
    EXPECT_NE(error, "") << "byte " << position << " flipped and accepted";
  }
  std::string flipped_data = good;
  flipped_data[good.size() - 3] ^= 0x10;
  EXPECT_NE(parse_error(flipped_data).find("damaged file"), std::string::npos) << parse_error(flipped_data);
  // A truncated file (a torn write) is refused too.
  EXPECT_NE(parse_error(good.substr(0, good.size() - 4)), "");
}

TEST(Safetensors, FilesFromOtherWritersNeedNoChecksum) {
  const float value = 2.5f;
  const std::string file = handmade(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                    std::string(reinterpret_cast<const char*>(&value), sizeof value));
  EXPECT_EQ(parse_error(file), "");
  EXPECT_NE(parse_error(handmade(R"({"__metadata__":{"diffuse_crc32":"12"}})", "")), "");
  TensorFile reserved;
  reserved.metadata["diffuse_crc32"] = "0";
  EXPECT_THROW(serialize_safetensors(reserved), Error);
}

TEST(Safetensors, SavesAndLoadsFiles) {
  const std::string path = testing::temporary_directory("st") + "/w.safetensors";
  save_safetensors(path, TensorFile{{{"x", torch::ones({2, 2})}}, {}});
  EXPECT_TRUE(torch::equal(load_safetensors(path).tensors.at("x"), torch::ones({2, 2})));
  EXPECT_THROW(load_safetensors(path + ".missing"), Error);
}

}  // namespace
}  // namespace diffuse
