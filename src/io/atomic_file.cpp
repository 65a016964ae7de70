#include "diffuse/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "diffuse/util/error.h"

namespace diffuse {

namespace {

std::string system_reason() { return std::strerror(errno); }

// Closes the descriptor and removes the temporary file unless released.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  void close() {
    if (fd_ >= 0 && ::close(fd_) != 0) throw Error("cannot write " + path_ + ": " + system_reason());
    fd_ = -1;
  }
  void mark_committed() { committed_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
};

void sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some file systems do not allow it
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::filesystem::path target(path);
  TemporaryFile temporary(path + ".tmp" + std::to_string(::getpid()));
  if (temporary.fd() < 0) throw Error("cannot write " + path + ": " + system_reason());
  const char* data = bytes.data();
  size_t remaining = bytes.size();
  while (remaining > 0) {
    const ssize_t written = ::write(temporary.fd(), data, remaining);
    if (written < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot write " + path + ": " + system_reason());
    }
    data += written;
    remaining -= static_cast<size_t>(written);
  }
  if (::fsync(temporary.fd()) != 0) throw Error("cannot write " + path + ": " + system_reason());
  temporary.close();
  if (::rename(temporary.path().c_str(), path.c_str()) != 0) {
    throw Error("cannot write " + path + ": " + system_reason());
  }
  temporary.mark_committed();
  sync_directory(target.parent_path());
}

std::vector<std::uint8_t> read_file_bytes(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw Error(path + ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path + ": " + system_reason());
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("cannot read " + path);
  return bytes;
}

void create_directories(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) throw Error("cannot create directory " + path + ": " + error.message());
}

}  // namespace diffuse
