#pragma once

#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "diffuse/util/error.h"

namespace diffuse {

// section[key] as a T, or `fallback` when the key is absent, like
// nlohmann's value() but strict: an integer field must hold a JSON integer
// in T's range (a float such as 5e128 would otherwise be converted with
// undefined behaviour), a number field a number, a flag a boolean, a name a
// string. Throws Error naming the key and what it holds.
template <class T>
T json_field(const nlohmann::json& section, const char* key, const T& fallback);

namespace detail {

[[noreturn]] inline void wrong_json_field(const char* key, const char* expected, const nlohmann::json& value) {
  throw Error("config: \"" + std::string(key) + "\" must be " + expected + ", got " + value.dump());
}

template <class T>
T json_value_as(const char* key, const nlohmann::json& value) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!value.is_boolean()) wrong_json_field(key, "true or false", value);
    return value.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<T>::max());
    bool fits = false;
    if (value.is_number_unsigned()) {
      fits = value.get<std::uint64_t>() <= max;
    } else if (value.is_number_integer()) {
      const auto v = value.get<std::int64_t>();
      fits = v >= 0 ? static_cast<std::uint64_t>(v) <= max
                    : std::is_signed_v<T> && v >= static_cast<std::int64_t>(std::numeric_limits<T>::min());
    }
    if (!fits) wrong_json_field(key, std::is_signed_v<T> ? "an integer" : "a non-negative integer", value);
    return value.get<T>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!value.is_number()) wrong_json_field(key, "a number", value);
    return value.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!value.is_string()) wrong_json_field(key, "a string", value);
    return value.get<std::string>();
  } else {
    static_assert(std::is_same_v<T, std::vector<typename T::value_type>>, "json_field: unsupported type");
    if (!value.is_array()) wrong_json_field(key, "an array", value);
    T result;
    for (const auto& item : value) result.push_back(json_value_as<typename T::value_type>(key, item));
    return result;
  }
}

}  // namespace detail

template <class T>
T json_field(const nlohmann::json& section, const char* key, const T& fallback) {
  if (!section.is_object()) throw Error("config: expected an object holding \"" + std::string(key) + "\", got " + section.dump());
  const auto found = section.find(key);
  return found == section.end() ? fallback : detail::json_value_as<T>(key, *found);
}

}  // namespace diffuse
