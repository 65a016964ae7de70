#include "diffuse/io/png_text.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

constexpr char kSignature[] = "\x89PNG\r\n\x1a\n";
constexpr size_t kSignatureSize = 8;
constexpr size_t kHeaderChunkSize = 4 + 4 + 13 + 4;  // length, "IHDR", 13 bytes of header, CRC

void append_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

std::uint32_t read_u32(const std::string& in, size_t at) {
  std::uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(in[at + i]);
  return value;
}

// A chunk: length, type, data, and the CRC-32 of type and data.
std::string chunk(const std::string& type, const std::string& data) {
  std::string out;
  append_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::string body = type + data;
  out += body;
  append_u32(out, static_cast<std::uint32_t>(
                      crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
  return out;
}

bool is_ascii(const std::string& text) {
  for (unsigned char c : text) {
    if (c >= 0x80 || c == 0) return false;
  }
  return true;
}

bool is_png(const std::string& png) {
  return png.size() >= kSignatureSize && std::memcmp(png.data(), kSignature, kSignatureSize) == 0;
}

}  // namespace

std::string with_png_text(const std::string& png, const PngText& text) {
  check(is_png(png) && png.size() >= kSignatureSize + kHeaderChunkSize && png.compare(12, 4, "IHDR") == 0,
        "PNG text: not a PNG file");
  std::string chunks;
  for (const auto& [keyword, value] : text) {
    bool printable = !keyword.empty() && keyword.size() <= 79;
    for (unsigned char c : keyword) printable = printable && c >= 0x20 && c < 0x7f;
    check(printable, "PNG text: keyword '" + keyword + "' is not 1 to 79 printable ASCII characters");
    if (is_ascii(value)) {
      chunks += chunk("tEXt", keyword + '\0' + value);
    } else {  // keyword, compression flag and method, empty language tag and translated keyword, UTF-8 text
      chunks += chunk("iTXt", keyword + std::string("\0\0\0\0\0", 5) + value);
    }
  }
  const size_t insert_at = kSignatureSize + kHeaderChunkSize;
  return png.substr(0, insert_at) + chunks + png.substr(insert_at);
}

PngText read_png_text(const std::string& png) {
  check(is_png(png), "PNG text: not a PNG file");
  PngText text;
  size_t at = kSignatureSize;
  while (at + 12 <= png.size()) {
    const std::uint32_t length = read_u32(png, at);
    const std::string type = png.substr(at + 4, 4);
    check(length <= png.size() - at - 12, "PNG text: a chunk runs past the end of the file");
    const std::string data = png.substr(at + 8, length);
    const size_t nul = data.find('\0');
    if (type == "tEXt" && nul != std::string::npos) {
      text.emplace_back(data.substr(0, nul), data.substr(nul + 1));
    } else if (type == "iTXt" && nul != std::string::npos && nul + 2 < data.size() && data[nul + 1] == 0) {
      const size_t language_end = data.find('\0', nul + 3);
      const size_t translated_end = language_end == std::string::npos ? language_end : data.find('\0', language_end + 1);
      if (translated_end != std::string::npos) text.emplace_back(data.substr(0, nul), data.substr(translated_end + 1));
    }
    if (type == "IEND") break;
    at += 12 + length;
  }
  return text;
}

}  // namespace diffuse
