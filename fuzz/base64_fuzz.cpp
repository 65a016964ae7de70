// libFuzzer target: the base64 decoder that reads the images uploaded to
// `diffuse serve`. Beyond "decode or refuse" (it never throws), what decodes
// must be what the encoder writes for those bytes: the input itself, its
// '=' padding completed, after any data-URL prefix. So the decoder accepts
// one spelling per byte string and nothing else.
#include <cstdlib>
#include <string>

#include "diffuse/util/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::optional<std::string> bytes = diffuse::decode_base64(text);
  if (!bytes) return 0;
  std::string payload = text;
  if (payload.rfind("data:", 0) == 0) payload = payload.substr(payload.find(',') + 1);
  while (payload.size() % 4 != 0) payload += '=';
  if (diffuse::encode_base64(*bytes) != payload) std::abort();
  return 0;
}
