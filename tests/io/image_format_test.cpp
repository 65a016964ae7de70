#include "diffuse/io/image_format.h"

#include <gtest/gtest.h>

#include "diffuse/io/image.h"
#include "diffuse/util/error.h"

namespace diffuse {
namespace {

std::vector<std::uint8_t> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

std::string decode_error(const std::string& file) {
  try {
    decode_image(bytes_of(file), "f");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ImageFormat, TellsTheFormatsApartByTheirFirstBytes) {
  EXPECT_EQ(sniff_image_format(bytes_of("\x89PNG\r\n\x1a\n...."), "f"), ImageFormat::kPng);
  EXPECT_EQ(sniff_image_format(bytes_of("\xFF\xD8\xFF\xE0"), "f"), ImageFormat::kJpeg);
  EXPECT_EQ(sniff_image_format(bytes_of("BM...."), "f"), ImageFormat::kBmp);
  EXPECT_EQ(sniff_image_format(bytes_of("GIF89a"), "f"), ImageFormat::kGif);
  EXPECT_EQ(sniff_image_format(bytes_of("P6\n1 1\n255\n"), "f"), ImageFormat::kPnm);
  EXPECT_EQ(sniff_image_format(bytes_of(std::string(18, '\0')), "f"), ImageFormat::kTga);
  EXPECT_THROW(sniff_image_format(bytes_of("8BPS...."), "f"), Error);      // PSD
  EXPECT_THROW(sniff_image_format(bytes_of("#?RADIANCE\n"), "f"), Error);  // HDR
}

// Each case is the smallest form of an input the fuzzer found that makes
// Debian's stb_image 2.27 read or write out of bounds or overflow an int;
// fuzz/findings/image/ holds the inputs as found.
TEST(ImageFormat, RefusesWhatWouldBreakTheDecoder) {
  // A Huffman table (DHT) whose 16 counts sum to 16 x 20 = 320 codes.
  const std::string dht = std::string("\xFF\xD8\xFF\xC4\x00\x13\x00", 7) + std::string(16, '\x14') + "\xFF\xD9";
  EXPECT_NE(decode_error(dht).find("f: corrupt JPEG: a Huffman table with 320 codes (at most 256)"), std::string::npos)
      << decode_error(dht);
  EXPECT_NE(decode_error("P5024524502402455\n1\n255\n").find("corrupt PNM header: its width has 15 digits"),
            std::string::npos);
  EXPECT_NE(decode_error("P6\n644\v\n\f 4\v\n\f522 :").find("only 8-bit PNM"), std::string::npos);
  // A PNG whose first chunk claims 2 GB.
  const std::string png = std::string("\x89PNG\r\n\x1a\n\x80\x00\x00\x00IDAT", 16) + std::string(20, 'x');
  EXPECT_NE(decode_error(png).find("chunk 'IDAT' claims 2147483648 bytes, 20 are left"), std::string::npos)
      << decode_error(png);
  // A comment in the header is skipped as the format allows.
  EXPECT_NE(decode_error("P5 # a comment\n2 1 65535\n....").find("maximum value 65535"), std::string::npos);
}

TEST(ImageFormat, RefusesUncompressedFilesShorterThanTheirPixels) {
  EXPECT_NE(decode_error("P5\n4 4\n255\nab").find("truncated PNM: 4 x 4 pixels need 16 bytes, the file has 2"),
            std::string::npos);
  // An 18-byte TGA header claiming 32000 x 1280 RGB pixels, and no pixels.
  std::string tga(18, '\0');
  tga[2] = 2;
  tga[12] = '\x00', tga[13] = '\x7d', tga[14] = '\x00', tga[15] = '\x05', tga[16] = 24;
  EXPECT_NE(decode_error(tga).find("truncated TGA"), std::string::npos) << decode_error(tga);
  // A BMP header for 1000 x 1000 24-bit rows, and no rows.
  std::string bmp = "BM" + std::string(52, '\0');
  bmp[10] = 54, bmp[14] = 40, bmp[18] = '\xe8', bmp[19] = 3, bmp[22] = '\xe8', bmp[23] = 3, bmp[26] = 1, bmp[28] = 24;
  EXPECT_NE(decode_error(bmp).find("truncated BMP"), std::string::npos) << decode_error(bmp);
}

TEST(ImageFormat, AcceptsTheRealThing) {
  const std::string pgm = std::string("P5\n# made by hand\n2 1\n255\n") + std::string("\x00\xff", 2);
  EXPECT_EQ(decode_error(pgm), "");
  const torch::Tensor image = decode_image(bytes_of(pgm), "f");
  EXPECT_EQ(image.sizes(), (std::vector<int64_t>{1, 1, 2}));
  EXPECT_FLOAT_EQ(image[0][0][0].item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(image[0][0][1].item<float>(), 1.0f);
}

}  // namespace
}  // namespace diffuse
