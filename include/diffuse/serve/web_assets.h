#pragma once

#include <cstddef>
#include <vector>

namespace diffuse {

// The files of the page `diffuse serve` serves (web/), compiled into the
// binary so the server needs nothing beside it and nothing from a network.
struct WebAsset {
  const char* path;          // "/index.html", "/app.js", ...
  const char* content_type;
  const char* data;
  std::size_t size;
};
const std::vector<WebAsset>& web_assets();

}  // namespace diffuse
