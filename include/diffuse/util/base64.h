#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace diffuse {

// Base64 (RFC 4648, section 4: the standard alphabet, '=' padding).
std::string encode_base64(std::string_view bytes);

// The bytes of standard base64 text, padded or not; nullopt for any other
// character, a misplaced '=' or a length no encoding has. A data URL
// ("data:image/png;base64,...") is taken by its payload.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace diffuse
