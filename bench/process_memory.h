#pragma once

#include <cstdint>

namespace diffuse::bench {

// Resident memory of this process from /proc/self/status, in bytes: now
// (VmRSS) and the peak since the start or the last reset (VmHWM). Linux only;
// 0 where /proc cannot be read.
int64_t resident_bytes();
int64_t peak_resident_bytes();
// Starts a new peak measurement (writes "5" to /proc/self/clear_refs, which
// sets VmHWM back to VmRSS). Returns false where the kernel refuses.
bool reset_peak_resident();

}  // namespace diffuse::bench
