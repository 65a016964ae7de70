#include "diffuse/runtime.h"

#include <dlfcn.h>
#include <malloc.h>

#include <cstdlib>
#include <string>
#include <thread>

#include <torch/torch.h>

namespace diffuse {

namespace {


void keep_large_buffers_mapped() {
  constexpr int kThreshold = 1 << 30;
  mallopt(M_MMAP_THRESHOLD, kThreshold);
  mallopt(M_TRIM_THRESHOLD, kThreshold);
}

}  // namespace

bool set_blas_threads(int threads) {
  // OpenBLAS is loaded through libtorch's BLAS dependency, not linked by us:
  // look the symbol up at run time so other BLAS builds still work.
  using SetThreads = void (*)(int);
  auto* set_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set_threads == nullptr) return false;
  set_threads(threads);
  return true;
}

int configure_runtime(int threads) {
  if (threads <= 0) {
    if (const char* omp = std::getenv("OMP_NUM_THREADS")) threads = std::atoi(omp);
  }
  if (threads <= 0) {
    threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // Ranks of a job on one machine share its cores (torchrun's LOCAL_WORLD_SIZE).
    if (const char* local = std::getenv("LOCAL_WORLD_SIZE"); local != nullptr && std::atoi(local) > 1) {
      threads = std::max(1, threads / std::atoi(local));
    }
  }
  keep_large_buffers_mapped();
  // A BLAS thread count the user chose is theirs; otherwise one thread.
  if (std::getenv("OPENBLAS_NUM_THREADS") == nullptr) set_blas_threads(1);
  torch::set_num_threads(threads);
  return threads;
}

}  // namespace diffuse
