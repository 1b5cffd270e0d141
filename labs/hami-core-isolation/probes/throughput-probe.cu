// The compute probe of labs/hami-core-isolation: keeps the GPU continuously fed with an FMA
// kernel (two batches in flight, no synchronisation per launch) and prints the throughput it
// completed each second, so HAMi-core's core limit (CUDA_DEVICE_SM_LIMIT) shows as a lower rate.
//
// usage: throughput-probe [--latency] SECONDS [START_FILE]
//   START_FILE: after CUDA is up, print "ready" and wait for START_FILE to exist before
//               measuring, so tenants run side by side start together.
//   --latency:  the noisy-neighbour victim: one short kernel at a time, each waited for, its
//               launch-to-completion time measured on the host. Each kernel is 16 full-card waves
//               of short blocks (1/64 of the FMA loop), so beside a neighbour holding some SMs the
//               victim's blocks fill the SMs left to it instead of waiting for a second wave.
// Output: one "sample N s: X TFLOPS" line a second (in latency mode also "latency N s: p50 X us
// p99 Y us over K kernels"), then "throughput-probe: mean X TFLOPS over N samples".
// Build: nvcc -O2 -o throughput-probe throughput-probe.cu
#include <cuda_runtime.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <vector>

static const int kIterations = 32768;
static const int kThreads = 256;
static const int kBatch = 8;
// The latency mode's short kernel: kVictimWaves waves of blocks that each run 1/64 of the FMA loop
// (about 0.3 ms on a whole H100).
static const int kVictimWaves = 16;
static const int kShortIterations = kIterations / 64;

__global__ void busyFMA(float *out, float seed, int iterations) {
  float a = seed + threadIdx.x, b = a * 0.5f, c = a * 0.25f, d = a * 0.125f;
  for (int i = 0; i < iterations; ++i) {
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

// The value at fraction q (0..1) of the sorted times (nearest rank).
static double percentile(std::vector<double> &times, double q) {
  std::sort(times.begin(), times.end());
  size_t rank = (size_t)(q * (double)times.size());
  if (rank >= times.size()) rank = times.size() - 1;
  return times[rank];
}

// Latency mode: one short kernel at a time, each synchronised; a throughput sample and the
// second's p50 and p99 launch-to-completion times every second.
static int measureLatency(float *out, int blocks, int seconds) {
  using Clock = std::chrono::steady_clock;
  double flopsPerKernel = 2.0 * 4 * kShortIterations * (double)blocks * kThreads;
  std::vector<double> times;
  times.reserve(100000);
  double total = 0;
  int sample = 0;
  auto sampleStart = Clock::now();
  while (sample < seconds) {
    auto launched = Clock::now();
    busyFMA<<<blocks, kThreads>>>(out, 1.0f, kShortIterations);
    if (!check(cudaStreamSynchronize(0), "short kernel")) return 2;
    auto now = Clock::now();
    times.push_back(std::chrono::duration<double, std::micro>(now - launched).count());
    double elapsed = std::chrono::duration<double>(now - sampleStart).count();
    if (elapsed >= 1.0) {
      ++sample;
      size_t kernels = times.size();
      double tflops = (double)kernels * flopsPerKernel / elapsed / 1e12;
      total += tflops;
      double p99 = percentile(times, 0.99);
      double p50 = percentile(times, 0.50);
      printf("sample %d s: %.2f TFLOPS\n", sample, tflops);
      printf("latency %d s: p50 %.1f us p99 %.1f us over %zu kernels\n", sample, p50, p99, kernels);
      fflush(stdout);
      times.clear();
      sampleStart = now;
    }
  }
  printf("throughput-probe: mean %.2f TFLOPS over %d samples\n", total / sample, sample);
  return 0;
}

int main(int argc, char **argv) {
  bool latency = argc > 1 && strcmp(argv[1], "--latency") == 0;
  if (latency) {
    --argc;
    ++argv;
  }
  if (argc < 2 || argc > 3 || atoi(argv[1]) <= 0) {
    fprintf(stderr, "usage: throughput-probe [--latency] SECONDS [START_FILE]\n");
    return 2;
  }
  int seconds = atoi(argv[1]);
  cudaDeviceProp prop;
  if (!check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties")) return 2;
  char mode[64] = "";
  if (latency) snprintf(mode, sizeof mode, "latency mode, %d waves a kernel, ", kVictimWaves);
  printf("throughput-probe: pid %d, device 0 %s (%d SMs), LD_PRELOAD=%s CUDA_DEVICE_SM_LIMIT=%s "
         "GPU_CORE_UTILIZATION_POLICY=%s, %s%d s\n",
         (int)getpid(), prop.name, prop.multiProcessorCount, env("LD_PRELOAD"), env("CUDA_DEVICE_SM_LIMIT"),
         env("GPU_CORE_UTILIZATION_POLICY"), mode, seconds);
  int blocks = prop.multiProcessorCount * 8;
  int victimBlocks = blocks * kVictimWaves;
  double flopsPerKernel = 2.0 * 4 * kIterations * (double)blocks * kThreads;
  float *out = nullptr;
  if (!check(cudaMalloc(&out, sizeof(float) * victimBlocks * kThreads), "cudaMalloc")) return 2;
  cudaEvent_t done[2];
  for (int i = 0; i < 2; ++i)
    if (!check(cudaEventCreateWithFlags(&done[i], cudaEventDisableTiming), "cudaEventCreate")) return 2;
  busyFMA<<<blocks, kThreads>>>(out, 1.0f, kIterations);
  if (!check(cudaDeviceSynchronize(), "warm-up kernel")) return 2;
  if (argc == 3) {
    printf("throughput-probe: ready\n");
    fflush(stdout);
    while (access(argv[2], F_OK) != 0) usleep(20000);
  }
  fflush(stdout);
  if (latency) {
    int status = measureLatency(out, victimBlocks, seconds);
    cudaFree(out);
    return status;
  }
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  auto sampleStart = start;
  long completed = 0, batches = 0;
  double total = 0;
  int sample = 0;
  // Two batches in flight: wait for the older one only after the newer one is queued.
  for (int i = 0; i < kBatch; ++i) busyFMA<<<blocks, kThreads>>>(out, (float)i, kIterations);
  cudaEventRecord(done[0]);
  while (sample < seconds) {
    int slot = (int)((batches + 1) % 2);
    for (int i = 0; i < kBatch; ++i) busyFMA<<<blocks, kThreads>>>(out, (float)i, kIterations);
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
