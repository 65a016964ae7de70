#include "diffuse/io/gzip.h"

#include <zlib.h>

#include <filesystem>

#include "diffuse/util/error.h"

namespace diffuse {

std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path) {
  std::error_code error;
  check(std::filesystem::is_regular_file(path, error), "cannot open " + path + ": no such file");
  gzFile file = gzopen(path.c_str(), "rb");
  check(file != nullptr, "cannot open " + path);
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t> chunk(1 << 20);
  while (true) {
    const int read = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (read < 0) {
      int code = 0;
      const std::string reason = gzerror(file, &code);
      gzclose(file);
      throw Error(path + ": corrupt or truncated gzip data (" + reason + ")");
    }
    if (read == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + read);
  }
  int code = 0;
  const std::string reason = gzerror(file, &code);
  gzclose(file);
  check(code == Z_OK || code == Z_STREAM_END, path + ": corrupt or truncated gzip data (" + reason + ")");
  return bytes;
}

}  // namespace diffuse
