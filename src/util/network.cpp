#include "diffuse/util/network.h"

namespace diffuse {

bool is_loopback_address(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace diffuse
