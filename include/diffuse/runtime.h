#pragma once

namespace diffuse {

// Process-wide settings that make libtorch fast on a CPU box; call once at
// start-up, before any tensor work. Measured on a 2-core machine (DESIGN.md):
// - intra-op threads: Debian's libtorch 1.13 starts with half the cores;
//   use `threads` (> 0), else OMP_NUM_THREADS, else all hardware threads
//   (shared out among the LOCAL_WORLD_SIZE ranks of a job on this machine);
// - OpenBLAS's own thread pool fights libtorch's: pin it to one thread (1.5x),
//   unless OPENBLAS_NUM_THREADS says otherwise;
// - glibc returns big tensor buffers to the OS and faults them in again every
//   step: raise the mmap and trim thresholds (1.9x at batch 128).
// Returns the number of intra-op threads in use.
int configure_runtime(int threads = 0);

// Sets OpenBLAS's thread count where OpenBLAS is the BLAS; false otherwise.
bool set_blas_threads(int threads);

}  // namespace diffuse
