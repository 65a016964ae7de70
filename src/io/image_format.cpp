#include "diffuse/io/image_format.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

bool starts_with(const std::vector<std::uint8_t>& bytes, const char* magic, size_t size) {
  return bytes.size() >= size && std::memcmp(bytes.data(), magic, size) == 0;
}

// Where the JPEG start-of-image marker's D8 is, or 0 when there is none. The
// decoder, as the standard allows (T.81 B.1.1.2), skips 0xFF fill bytes
// before a marker, so FF FF FF D8 starts a JPEG too.
size_t jpeg_start_of_image(const std::vector<std::uint8_t>& bytes) {
  size_t i = 0;
  while (i < bytes.size() && bytes[i] == 0xFF) ++i;
  return i >= 1 && i < bytes.size() && bytes[i] == 0xD8 ? i : 0;
}

// Walks a JPEG's marker segments (ITU-T T.81 B.1), skipping entropy-coded
// data, and checks each Huffman table (DHT, marker 0xC4): 16 code-length
// counts whose sum, the table's number of codes, must be at most 256.
void check_jpeg_huffman_tables(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  const size_t n = bytes.size();
  size_t i = jpeg_start_of_image(bytes) + 1;
  while (i + 1 < n) {
    if (bytes[i] != 0xFF) {  // entropy-coded data between markers
      ++i;
      continue;
    }
    const std::uint8_t marker = bytes[i + 1];
    // Fill bytes, a stuffed zero, RSTn and TEM carry no length.
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      i += 2;
      continue;
    }
    if (marker == 0xD9 || i + 3 >= n) return;  // EOI, or truncated: the decoder reports it
    const size_t length = (size_t{bytes[i + 2]} << 8) | bytes[i + 3];
    if (length < 2) return;  // malformed: the decoder reports it
    if (marker == 0xC4) {
      // As the decoder reads it: tables until the segment length is used up,
      // each a class/id byte and 16 counts, then that many symbols.
      auto at = [&](size_t k) { return k < n ? size_t{bytes[k]} : size_t{0}; };
      size_t table = i + 4;
      for (long remaining = static_cast<long>(length) - 2; remaining > 0;) {
        size_t codes = 0;
        for (size_t k = 1; k <= 16; ++k) codes += at(table + k);
        check(codes <= 256, source + ": corrupt JPEG: a Huffman table with " + std::to_string(codes) +
                                " codes (at most 256)");
        table += 17 + codes;
        remaining -= static_cast<long>(17 + codes);
      }
    }
    i += 2 + length;
  }
}

// A PNM header (P5/P6): width, height and maximum value as decimal numbers,
// separated by whitespace and '#' comments. Numbers of more than 8 digits
// would overflow the decoder's int arithmetic (none is a real size), and
// only 8-bit files are accepted.
void check_pnm_header(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  const size_t n = bytes.size();
  std::uint64_t sizes[3] = {0, 0, 0};
  int index = 0;
  auto is_space = [](std::uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  size_t i = 2;
  for (const char* field : {"width", "height", "maximum value"}) {
    while (i < n && (is_space(bytes[i]) || bytes[i] == '#')) {
      if (bytes[i] == '#') {
        while (i < n && bytes[i] != '\n' && bytes[i] != '\r') ++i;
      } else {
        ++i;
      }
    }
    size_t digits = 0;
    long value = 0;
    for (; i < n && bytes[i] >= '0' && bytes[i] <= '9'; ++i, ++digits) {
      if (digits < 9) value = value * 10 + (bytes[i] - '0');
    }
    check(digits <= 8, source + ": corrupt PNM header: its " + std::string(field) + " has " + std::to_string(digits) +
                           " digits");
    // The decoder's 16-bit path (maximum value above 255) miscomputes its buffer size.
    if (std::string(field) == "maximum value") {
      check(value >= 1 && value <= 255, source + ": PNM with maximum value " + std::to_string(value) +
                                            " (only 8-bit PNM, maximum value 1 to 255, is supported)");
    }
    sizes[index++] = static_cast<std::uint64_t>(value);
  }
  // One whitespace byte, then the raster: the decoder would read a short one as zeros.
  const std::uint64_t channels = bytes[1] == '6' ? 3 : 1;
  const std::uint64_t needed = sizes[0] * sizes[1] * channels;
  const std::uint64_t present = n > i + 1 ? n - (i + 1) : 0;
  check(present >= needed, source + ": truncated PNM: " + std::to_string(sizes[0]) + " x " + std::to_string(sizes[1]) +
                               " pixels need " + std::to_string(needed) + " bytes, the file has " + std::to_string(present));
}

// Bytes as they may go to a terminal: printable ASCII as is, others as \xNN
// (a corrupt file's chunk name could otherwise hold escape sequences).
std::string escaped(const std::string& bytes) {
  std::string text;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      text.push_back(static_cast<char>(c));
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      text += hex;
    }
  }
  return text;
}

// Each PNG chunk (length, type, data, CRC; PNG spec. 5.3) must lie inside
// the file: the decoder allocates a chunk's claimed length before reading
// it, so an 80-byte file could make it allocate 2 GB.
void check_png_chunks(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  size_t at = 8;
  while (at + 8 <= bytes.size()) {
    const std::uint64_t length = (std::uint64_t{bytes[at]} << 24) | (std::uint64_t{bytes[at + 1]} << 16) |
                                 (std::uint64_t{bytes[at + 2]} << 8) | bytes[at + 3];
    const std::string type(reinterpret_cast<const char*>(bytes.data() + at + 4), 4);
    const std::uint64_t left = bytes.size() - at - 8;
    check(length <= left, source + ": truncated or corrupt PNG: chunk '" + escaped(type) + "' claims " + std::to_string(length) +
                              " bytes, " + std::to_string(left) + " are left in the file");
    if (type == "IEND") return;
    at += 12 + static_cast<size_t>(length);
  }
}

std::uint64_t little_endian(const std::vector<std::uint8_t>& bytes, size_t at, int size) {
  std::uint64_t value = 0;
  for (int k = size - 1; k >= 0; --k) value = (value << 8) | (at + k < bytes.size() ? bytes[at + k] : 0);
  return value;
}

// Uncompressed TGA (types 1-3) must hold every pixel; run-length coded TGA
// (types 9-11) at least one packet per 128 pixels. The decoder would fill a
// short file with zeros, and a 100-byte file could claim gigabytes.
void check_tga_size(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  check(bytes.size() >= 18, source + ": not an image (too short for a TGA header)");
  const std::uint64_t type = bytes[2], bits = bytes[16];
  const std::uint64_t pixels = little_endian(bytes, 12, 2) * little_endian(bytes, 14, 2);
  const std::uint64_t colour_map = bytes[1] != 0 ? little_endian(bytes, 5, 2) * ((bytes[7] + 7) / 8) : 0;
  const std::uint64_t header = 18 + bytes[0] + colour_map, pixel_bytes = std::max<std::uint64_t>(1, (bits + 7) / 8);
  std::uint64_t needed = 0;
  if (type >= 1 && type <= 3) needed = header + pixels * pixel_bytes;
  if (type >= 9 && type <= 11) needed = header + (pixels + 127) / 128 * (1 + pixel_bytes);
  check(bytes.size() >= needed, source + ": truncated TGA: its pixels need at least " + std::to_string(needed) +
                                    " bytes, the file has " + std::to_string(bytes.size()));
}

// A BMP the decoder reads as uncompressed must hold every row.
void check_bmp_size(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  if (bytes.size() < 34) return;  // the decoder refuses a short header
  const std::uint64_t offset = little_endian(bytes, 10, 4), compression = little_endian(bytes, 30, 4);
  const std::uint64_t bits = little_endian(bytes, 28, 2);
  const auto width = static_cast<std::int32_t>(little_endian(bytes, 18, 4));
  const auto height = static_cast<std::int32_t>(little_endian(bytes, 22, 4));
  // The decoder refuses run-length coding (1, 2) and reads every other value as uncompressed rows.
  if (compression == 1 || compression == 2 || width <= 0 || height == 0 || bits == 0 || bits > 32) return;
  const auto rows = static_cast<std::uint64_t>(std::llabs(static_cast<long long>(height)));
  const std::uint64_t stride = (static_cast<std::uint64_t>(width) * bits + 31) / 32 * 4;
  const std::uint64_t needed = offset + stride * rows;
  check(bytes.size() >= needed, source + ": truncated BMP: its rows need " + std::to_string(needed) +
                                    " bytes, the file has " + std::to_string(bytes.size()));
}

}  // namespace

std::string to_string(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kBmp: return "BMP";
    case ImageFormat::kGif: return "GIF";
    case ImageFormat::kPnm: return "PNM";
    case ImageFormat::kTga: return "TGA";
  }
  return "?";
}

ImageFormat sniff_image_format(const std::vector<std::uint8_t>& bytes, const std::string& source) {
  if (starts_with(bytes, "\x89PNG\r\n\x1a\n", 8)) return ImageFormat::kPng;
  if (jpeg_start_of_image(bytes) > 0) return ImageFormat::kJpeg;
  if (starts_with(bytes, "BM", 2)) return ImageFormat::kBmp;
  if (starts_with(bytes, "GIF87a", 6) || starts_with(bytes, "GIF89a", 6)) return ImageFormat::kGif;
  if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6')) return ImageFormat::kPnm;
  if (starts_with(bytes, "8BPS", 4) || starts_with(bytes, "#?RADIANCE", 10) || starts_with(bytes, "#?RGBE", 6) ||
      starts_with(bytes, "\x53\x80\xF6\x34", 4)) {
    throw Error(source + ": PSD, HDR and PIC images are not supported (use PNG, JPEG, BMP, GIF, PNM or TGA)");
  }
  return ImageFormat::kTga;
}

void check_before_decoding(const std::vector<std::uint8_t>& bytes, ImageFormat format, const std::string& source) {
  if (format == ImageFormat::kPng) check_png_chunks(bytes, source);
  if (format == ImageFormat::kJpeg) check_jpeg_huffman_tables(bytes, source);
  if (format == ImageFormat::kPnm) check_pnm_header(bytes, source);
  if (format == ImageFormat::kTga) check_tga_size(bytes, source);
  if (format == ImageFormat::kBmp) check_bmp_size(bytes, source);
}

}  // namespace diffuse
