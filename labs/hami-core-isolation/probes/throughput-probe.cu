// The compute probe of labs/hami-core-isolation: keeps the GPU continuously fed with an FMA
// kernel (two batches in flight, no synchronisation per launch) and prints the throughput it
// completed each second, so HAMi-core's core limit (CUDA_DEVICE_SM_LIMIT) shows as a lower rate.
//
// usage: throughput-probe SECONDS [START_FILE]
//   START_FILE: after CUDA is up, print "ready" and wait for START_FILE to exist before
//               measuring, so tenants run side by side start together.
// Output: one "sample N s: X TFLOPS" line a second, then "mean X TFLOPS over N samples".
// Build: nvcc -O2 -o throughput-probe throughput-probe.cu
#include <cuda_runtime.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

static const int kIterations = 32768;
static const int kThreads = 256;
static const int kBatch = 8;

__global__ void busyFMA(float *out, float seed) {
  float a = seed + threadIdx.x, b = a * 0.5f, c = a * 0.25f, d = a * 0.125f;
  for (int i = 0; i < kIterations; ++i) {
    a = fmaf(a, 0.999f, 0.001f);
    b = fmaf(b, 0.999f, 0.001f);
    c = fmaf(c, 0.999f, 0.001f);
    d = fmaf(d, 0.999f, 0.001f);
  }
  out[blockIdx.x * blockDim.x + threadIdx.x] = a + b + c + d;
}

static const char *env(const char *name) {
  const char *value = getenv(name);
  return value ? value : "unset";
}

static bool check(cudaError_t err, const char *what) {
  if (err == cudaSuccess) return true;
  printf("throughput-probe: %s failed: %s\n", what, cudaGetErrorString(err));
  return false;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3 || atoi(argv[1]) <= 0) {
    fprintf(stderr, "usage: throughput-probe SECONDS [START_FILE]\n");
    return 2;
  }
  int seconds = atoi(argv[1]);
  cudaDeviceProp prop;
  if (!check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties")) return 2;
  printf("throughput-probe: pid %d, device 0 %s (%d SMs), LD_PRELOAD=%s CUDA_DEVICE_SM_LIMIT=%s "
         "GPU_CORE_UTILIZATION_POLICY=%s, %d s\n",
         (int)getpid(), prop.name, prop.multiProcessorCount, env("LD_PRELOAD"), env("CUDA_DEVICE_SM_LIMIT"),
         env("GPU_CORE_UTILIZATION_POLICY"), seconds);
  int blocks = prop.multiProcessorCount * 8;
  double flopsPerKernel = 2.0 * 4 * kIterations * (double)blocks * kThreads;
  float *out = nullptr;
  if (!check(cudaMalloc(&out, sizeof(float) * blocks * kThreads), "cudaMalloc")) return 2;
  cudaEvent_t done[2];
  for (int i = 0; i < 2; ++i)
    if (!check(cudaEventCreateWithFlags(&done[i], cudaEventDisableTiming), "cudaEventCreate")) return 2;
  busyFMA<<<blocks, kThreads>>>(out, 1.0f);
  if (!check(cudaDeviceSynchronize(), "warm-up kernel")) return 2;
  if (argc == 3) {
    printf("throughput-probe: ready\n");
    fflush(stdout);
    while (access(argv[2], F_OK) != 0) usleep(20000);
  }
  fflush(stdout);
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto sampleStart = start;
  long completed = 0, batches = 0;
  double total = 0;
  int sample = 0;
  // Two batches in flight: wait for the older one only after the newer one is queued.
  for (int i = 0; i < kBatch; ++i) busyFMA<<<blocks, kThreads>>>(out, (float)i);
  cudaEventRecord(done[0]);
  while (sample < seconds) {
    int slot = (int)((batches + 1) % 2);
    for (int i = 0; i < kBatch; ++i) busyFMA<<<blocks, kThreads>>>(out, (float)i);
    cudaEventRecord(done[slot]);
    if (!check(cudaEventSynchronize(done[batches % 2]), "kernel batch")) return 2;
    ++batches;
    completed += kBatch;
    auto now = Clock::now();
    double elapsed = std::chrono::duration<double>(now - sampleStart).count();
    if (elapsed >= 1.0) {
      ++sample;
      double tflops = completed * flopsPerKernel / elapsed / 1e12;
      total += tflops;
      printf("sample %d s: %.2f TFLOPS\n", sample, tflops);
      fflush(stdout);
      completed = 0;
      sampleStart = now;
    }
  }
  cudaDeviceSynchronize();
  printf("throughput-probe: mean %.2f TFLOPS over %d samples\n", total / sample, sample);
  cudaFree(out);
  return 0;
}
