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

constexpr const char* kTemporarySuffix = ".tmp";

// The StagedOutputs that write_file_atomically hands its files to, if any.
thread_local StagedOutputs* active_stage = nullptr;

// Keeps the file at `path` (if any) as `previous_path`: a hard link renamed
// into place, so `path` itself never goes missing. Where the file system has
// no hard links, the previous file is not kept.
void keep_as_previous(const std::string& path, const std::string& previous_path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return;
  const std::string link = previous_path + kTemporarySuffix + std::to_string(::getpid());
  ::unlink(link.c_str());
  if (::link(path.c_str(), link.c_str()) != 0) return;
  if (::rename(link.c_str(), previous_path.c_str()) != 0) {
    const std::string reason = system_reason();
    ::unlink(link.c_str());
    throw Error("cannot write " + previous_path + ": " + reason);
  }
}

void write_atomically(const std::string& path, const std::string* previous_path, std::string_view bytes) {
  const std::filesystem::path target(path);
  TemporaryFile temporary(path + kTemporarySuffix + std::to_string(::getpid()));
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
  if (previous_path == nullptr && active_stage != nullptr) {
    active_stage->stage(temporary.path(), path);
    temporary.mark_committed();  // the stage owns it now
    return;
  }
  if (previous_path != nullptr) keep_as_previous(path, *previous_path);
  if (::rename(temporary.path().c_str(), path.c_str()) != 0) {
    throw Error("cannot write " + path + ": " + system_reason());
  }
  temporary.mark_committed();
  sync_directory(target.parent_path());
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view bytes) { write_atomically(path, nullptr, bytes); }

void write_file_atomically_keeping_previous(const std::string& path, const std::string& previous_path,
                                            std::string_view bytes) {
  write_atomically(path, &previous_path, bytes);
}

int remove_leftover_temporary_files(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const std::string prefix = target.filename().string() + kTemporarySuffix;
  std::error_code error;
  int removed = 0;
  for (const auto& entry : fs::directory_iterator(target.parent_path().empty() ? "." : target.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (fs::remove(entry.path(), error)) ++removed;
  }
  return removed;
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

void check_directory_is_writable(const std::string& directory) {
  const std::string probe = (std::filesystem::path(directory) / (".write-test" + std::to_string(::getpid()))).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot write to " + directory + ": " + system_reason());
  ::close(fd);
  ::unlink(probe.c_str());
}

void check_file_destination(const std::string& path, const std::string& option, MissingFolders missing) {
  namespace fs = std::filesystem;
  std::error_code error;
  check(!fs::is_directory(path, error), option + " " + path + ": is a folder, expected a file name");
  fs::path folder = fs::path(path).parent_path();
  check(missing == MissingFolders::kCreate || folder.empty() || fs::exists(folder, error),
        option + " " + path + ": the folder " + folder.string() + " does not exist");
  while (!folder.empty() && !fs::exists(folder, error)) folder = folder.parent_path();
  const std::string existing = folder.empty() ? "." : folder.string();
  check(fs::is_directory(existing, error), option + " " + path + ": " + existing + " is not a folder");
  try {
    check_directory_is_writable(existing);
  } catch (const Error& e) {
    throw Error(option + " " + path + ": " + e.what());
  }
}

StagedOutputs::StagedOutputs() {
  check(active_stage == nullptr, "internal: one StagedOutputs at a time");
  active_stage = this;
}

StagedOutputs::~StagedOutputs() {
  if (active_stage == this) active_stage = nullptr;
  for (const auto& [temporary, path] : staged_) ::unlink(temporary.c_str());
}

void StagedOutputs::stage(const std::string& temporary, const std::string& path) {
  for (auto& entry : staged_) {
    if (entry.second == path) {  // written twice: the temporary already holds the newer bytes
      entry.first = temporary;
      return;
    }
  }
  staged_.emplace_back(temporary, path);
}

void StagedOutputs::commit() {
  active_stage = nullptr;
  while (!staged_.empty()) {
    const auto [temporary, path] = staged_.front();
    if (::rename(temporary.c_str(), path.c_str()) != 0) throw Error("cannot write " + path + ": " + system_reason());
    staged_.erase(staged_.begin());
    sync_directory(std::filesystem::path(path).parent_path());
  }
}

}  // namespace diffuse
