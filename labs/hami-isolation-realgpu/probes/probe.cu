// The memory-cap probe: cudaMalloc in 256 MiB chunks until an allocation is refused, then
// report how much was allocated. Under HAMi-core the refusal comes at the pod's slice (and
// HAMi-core logs its OOM line); without it, near the card's physical size.
// Build and run: nvcc -o /tmp/probe probe.cu && /tmp/probe
#include <cstdio>
#include <vector>
#include <cuda_runtime.h>

int main() {
  const size_t chunk = 256ull << 20;
  cudaDeviceProp prop;
  cudaError_t err = cudaGetDeviceProperties(&prop, 0);
  if (err != cudaSuccess) {
    printf("probe: no CUDA device: %s\n", cudaGetErrorString(err));
    return 2;
  }
  size_t freeBytes = 0, totalBytes = 0;
  err = cudaMemGetInfo(&freeBytes, &totalBytes);
  if (err != cudaSuccess) {
    printf("probe: cudaMemGetInfo failed: %s\n", cudaGetErrorString(err));
    return 2;
  }
  printf("probe: device 0 %s, cudaMemGetInfo free=%zu MiB total=%zu MiB\n", prop.name, freeBytes >> 20,
         totalBytes >> 20);
  fflush(stdout);
  std::vector<void *> blocks;
  size_t allocated = 0;
  for (;;) {
    void *block = nullptr;
    err = cudaMalloc(&block, chunk);
    if (err != cudaSuccess) break;
    blocks.push_back(block);
    allocated += chunk;
    printf("allocated %zu MiB\n", allocated >> 20);
    fflush(stdout);
  }
  printf("cudaMalloc refused after %zu MiB allocated: %s\n", allocated >> 20, cudaGetErrorString(err));
  fflush(stdout);
  for (void *block : blocks) cudaFree(block);
  return 0;
}
