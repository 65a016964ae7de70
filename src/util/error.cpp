#include "diffuse/util/error.h"

namespace diffuse {

std::string first_line(const std::exception& error) {
  std::string message = error.what();
  const auto newline = message.find('\n');
  if (newline != std::string::npos) message.resize(newline);
  return message;
}

}  // namespace diffuse
