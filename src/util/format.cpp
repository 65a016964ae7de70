#include "diffuse/util/format.h"

#include <iomanip>
#include <sstream>

namespace diffuse {

std::string format_fixed(double value, int precision) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(precision) << value;
  return text.str();
}

std::string format_general(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace diffuse
