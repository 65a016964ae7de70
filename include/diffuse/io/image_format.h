#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace diffuse {

// The image formats Diffuse reads, told apart by their first bytes (TGA has
// no signature: it is what remains).
enum class ImageFormat { kPng, kJpeg, kBmp, kGif, kPnm, kTga };
std::string to_string(ImageFormat format);

// The format of an image file's bytes. Throws Error naming `source` for the
// formats the decoder could read but Diffuse does not accept (PSD, HDR, PIC:
// no image model needs them, and their decoders are the least tested).
ImageFormat sniff_image_format(const std::vector<std::uint8_t>& bytes, const std::string& source);

// Structural checks made before decoding, for inputs that would make the
// decoder (Debian's stb_image 2.27) read or write out of bounds or
// allocate without bound: a PNG chunk longer than the rest of the file, a JPEG
// Huffman table of more than 256 codes (the JPEG specification's limit,
// ITU-T T.81 B.2.4.2), a PNM header number too long for an int, a 16-bit
// PNM (its buffer is sized wrongly); and for the uncompressed formats (PNM,
// TGA, BMP) a file shorter than its pixels, which the decoder would read as
// zeros (and a 100-byte file could claim gigabytes). Throws Error naming
// `source`.
void check_before_decoding(const std::vector<std::uint8_t>& bytes, ImageFormat format, const std::string& source);

}  // namespace diffuse
