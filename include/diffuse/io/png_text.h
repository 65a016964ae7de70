#pragma once

#include <string>
#include <utility>
#include <vector>

namespace diffuse {

// Text chunks of a PNG file: (keyword, text) pairs, such as the parameters an
// image was generated with, which image viewers and `identify -verbose` show.
using PngText = std::vector<std::pair<std::string, std::string>>;

// `png` (a whole PNG file) with a text chunk per entry inserted after the
// header chunk: tEXt for ASCII text, iTXt (UTF-8) otherwise (PNG 1.2, 4.2.3).
// Keywords are 1 to 79 printable ASCII characters; throws Error otherwise.
std::string with_png_text(const std::string& png, const PngText& text);

// The tEXt and iTXt (uncompressed) chunks of a PNG file, in file order.
// Throws Error when `png` is not a PNG file or a chunk runs past its end.
PngText read_png_text(const std::string& png);

}  // namespace diffuse
