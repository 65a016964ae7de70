#include "diffuse/util/format.h"

#include <iomanip>
#include <sstream>

namespace diffuse {

std::string format_fixed(double value, int precision) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(precision) << value;
  return text.str();
}

}  // namespace diffuse
