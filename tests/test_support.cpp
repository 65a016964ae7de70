#include "test_support.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <unistd.h>

#include <torch/torch.h>

#include "diffuse/io/atomic_file.h"

namespace diffuse::testing {

std::string temporary_directory(const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path path = fs::temp_directory_path() / ("diffuse_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(path);
  fs::create_directories(path);
  static const bool registered = [] {
    std::atexit([] {
      std::error_code error;
      fs::remove_all(fs::temp_directory_path() / ("diffuse_test_" + std::to_string(::getpid())), error);
    });
    return true;
  }();
  (void)registered;
  return path.string();
}

std::string shared_data_directory() {
  if (const char* from_env = std::getenv("DIFFUSE_SHARED_DATA")) return from_env;
  return DIFFUSE_SHARED_DATA;
}

std::string python_with_module(const std::string& module) {
  for (const char* python : {"/usr/bin/python3", "python3"}) {
    const std::string probe = std::string(python) + " -c 'import " + module + "' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return python;
  }
  return "";
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string read_text(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return {bytes.begin(), bytes.end()};
}

}  // namespace diffuse::testing
