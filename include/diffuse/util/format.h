#pragma once

#include <string>

namespace diffuse {

// A number with a fixed count of decimals, for tables and labels: (3.14159, 2) -> "3.14".
std::string format_fixed(double value, int precision);
// A number in its shortest usual form (up to 6 significant digits): 1 -> "1", 1.05 -> "1.05".
std::string format_general(double value);

// True when `text` ends with `suffix` (file extensions: "mols.sdf", ".sdf").
bool ends_with(const std::string& text, const std::string& suffix);

}  // namespace diffuse
