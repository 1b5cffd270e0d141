// The memory-cap probe of labs/hami-core-isolation: says which HAMi-core settings it runs under
// and whether libvgpu.so is mapped into it, prints cudaMemGetInfo, then cudaMalloc's 256 MiB
// chunks until one is refused and says how far it got. Under HAMi-core the refusal comes at the
// tenant's slice (and HAMi-core logs its OOM line); without it, near the card's physical size.
//
// usage: memory-probe [--hold RELEASE_FILE MAX_SECONDS]
//   --hold: after the refusal keep the memory until RELEASE_FILE exists (at most MAX_SECONDS),
//           so tenants run side by side can be seen together by the host's nvidia-smi.
// Build: nvcc -O2 -o memory-probe memory-probe.cu
#include <cuda_runtime.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <unistd.h>
#include <vector>

static const char *env(const char *name) {
  const char *value = getenv(name);
  return value ? value : "unset";
}

// Prints each distinct mapping of a file named libvgpu* (the preloaded HAMi-core).
static void printPreload() {
  FILE *maps = fopen("/proc/self/maps", "r");
  if (!maps) {
    printf("probe: cannot read /proc/self/maps\n");
    return;
  }
  char line[4096], seen[4096] = "";
  int found = 0;
  while (fgets(line, sizeof line, maps)) {
    char *path = strchr(line, '/');
    if (!path || !strstr(path, "libvgpu")) continue;
    path[strcspn(path, "\n")] = 0;
    if (strcmp(path, seen) == 0) continue;
    snprintf(seen, sizeof seen, "%s", path);
    printf("probe: mapped %s\n", path);
    found = 1;
  }
  fclose(maps);
  if (!found) printf("probe: no libvgpu mapped\n");
}

int main(int argc, char **argv) {
  const char *releaseFile = nullptr;
  int holdSeconds = 0;
  if (argc == 4 && strcmp(argv[1], "--hold") == 0) {
    releaseFile = argv[2];
    holdSeconds = atoi(argv[3]);
  } else if (argc != 1) {
    fprintf(stderr, "usage: memory-probe [--hold RELEASE_FILE MAX_SECONDS]\n");
    return 2;
  }
  printf("probe: pid %d, LD_PRELOAD=%s CUDA_DEVICE_MEMORY_LIMIT=%s CUDA_DEVICE_MEMORY_SHARED_CACHE=%s\n",
         (int)getpid(), env("LD_PRELOAD"), env("CUDA_DEVICE_MEMORY_LIMIT"), env("CUDA_DEVICE_MEMORY_SHARED_CACHE"));
  printPreload();
  fflush(stdout);
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
  if (releaseFile) {
    printf("probe: holding %zu MiB until %s exists (at most %d s)\n", allocated >> 20, releaseFile, holdSeconds);
    fflush(stdout);
    time_t end = time(nullptr) + holdSeconds;
    while (access(releaseFile, F_OK) != 0 && time(nullptr) < end) usleep(100000);
    printf("probe: released\n");
  }
  for (void *block : blocks) cudaFree(block);
  return 0;
}
