#pragma once

#include <stdexcept>
#include <string>

namespace diffuse {

// The one exception type the library throws for bad user input or a failed
// operation. Its message is meant for the user: it names the file or the
// setting, what was expected and what was found.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Throws Error(message) when `condition` is false. A function, not a macro,
// so the message is always built by the caller and reads like a sentence.
inline void check(bool condition, const std::string& message) {
  if (!condition) throw Error(message);
}

// The first line of an exception's message: libtorch's c10::Error appends a
// C++ stack trace that is noise for a user.
std::string first_line(const std::exception& error);

}  // namespace diffuse
