#pragma once

#include <string>

namespace diffuse {

// A number with a fixed count of decimals, for tables and labels: (3.14159, 2) -> "3.14".
std::string format_fixed(double value, int precision);

// True when `text` ends with `suffix` (file extensions: "mols.sdf", ".sdf").
bool ends_with(const std::string& text, const std::string& suffix);

}  // namespace diffuse
