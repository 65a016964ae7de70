#include "process_memory.h"

#include <fstream>
#include <sstream>
#include <string>

namespace diffuse::bench {

namespace {

int64_t status_field_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream values(line.substr(field.size() + 1));
      int64_t kilobytes = 0;
      values >> kilobytes;
      return kilobytes * 1024;
    }
  }
  return 0;
}

}  // namespace

int64_t resident_bytes() { return status_field_bytes("VmRSS"); }
int64_t peak_resident_bytes() { return status_field_bytes("VmHWM"); }

bool reset_peak_resident() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

}  // namespace diffuse::bench
