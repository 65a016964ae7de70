#pragma once

#include <string>

namespace diffuse {

// Whether `host` names this machine's loopback ("localhost", 127.x.y.z,
// "::1"): a job or a server there is reachable from this machine only.
bool is_loopback_address(const std::string& host);

}  // namespace diffuse
