#include "diffuse/io/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <memory>

#include "diffuse/io/atomic_file.h"
#include "diffuse/util/error.h"

namespace diffuse {

namespace {

bool is_gzip(const std::vector<std::uint8_t>& bytes) { return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b; }

}  // namespace

std::vector<std::uint8_t> gunzip_if_gzipped(std::vector<std::uint8_t> bytes, const std::string& source,
                                            std::uint64_t max_bytes) {
  if (!is_gzip(bytes)) return bytes;
  const std::string corrupt = source + ": corrupt or truncated gzip data";
  z_stream stream{};
  check(inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK, source + ": cannot start gzip decompression");
  const std::unique_ptr<z_stream, int (*)(z_stream*)> cleanup(&stream, inflateEnd);
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(1 << 20);
  size_t consumed = 0;
  while (true) {
    stream.next_in = bytes.data() + consumed;
    stream.avail_in = static_cast<uInt>(std::min<size_t>(bytes.size() - consumed, 1u << 30));
    stream.next_out = chunk.data();
    stream.avail_out = static_cast<uInt>(chunk.size());
    const int status = inflate(&stream, Z_NO_FLUSH);
    const size_t used = static_cast<size_t>(stream.next_in - (bytes.data() + consumed));
    consumed += used;
    const size_t produced = chunk.size() - stream.avail_out;
    check(out.size() + produced <= max_bytes,
          source + ": gzip data expands beyond " + std::to_string(max_bytes >> 20) + " MiB, refused");
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(produced));
    if (status == Z_STREAM_END) {
      // Another member may follow (as gzip -c a b > c writes); trailing zeros are padding.
      if (consumed == bytes.size() || std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>(consumed), bytes.end(),
                                                  [](std::uint8_t b) { return b == 0; })) {
        break;
      }
      check(bytes.size() - consumed >= 2 && bytes[consumed] == 0x1f && bytes[consumed + 1] == 0x8b,
            source + ": unexpected bytes after the gzip data");
      check(inflateReset(&stream) == Z_OK, corrupt);
      continue;
    }
    if (status == Z_BUF_ERROR && consumed == bytes.size() && produced == 0) throw Error(corrupt + " (it ends early)");
    check(status == Z_OK || status == Z_BUF_ERROR, corrupt + (stream.msg != nullptr ? " (" + std::string(stream.msg) + ")" : ""));
  }
  return out;
}

std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path) {
  return gunzip_if_gzipped(read_file_bytes(path), path);
}

}  // namespace diffuse
