import Foundation
import LabPipeline
import Testing

@testable import Labs

/// The hami-core-isolation lab's parsers and checks on the line shapes a real H200 printed
/// (shared/reference/real-h200: driver 580.159.04, HAMi-core built as its build.sh does).
@Suite struct HAMiCoreChecksTests {
  static let uuid = "GPU-c4ea28df-1541-b851-62f1-7912b9c48563"
  static let hostGPU = """
    $ nvidia-smi -L

    GPU 0: NVIDIA H200 (UUID: \(uuid))

    $ nvidia-smi --query-gpu=name,uuid,memory.total,driver_version,mig.mode.current --format=csv

    name, uuid, memory.total [MiB], driver_version, mig.mode.current
    NVIDIA H200, \(uuid), 143771 MiB, 580.159.04, Disabled

    """

  /// A tenant's memory probe output as the H200 printed it (stderr and stdout interleaved).
  static func probe(
    pid: Int, slice: Int, refused: Int, requested: UInt64, limit: UInt64, extra: [String] = []
  )
    -> String
  {
    ([
      "[HAMI-core Msg(\(pid):139885108592640:libvgpu.c:911)]: Initialized",
      "probe: pid \(pid), LD_PRELOAD=/tmp/labrun-hami-core.x/libvgpu.so CUDA_DEVICE_MEMORY_LIMIT=\(slice)m "
        + "CUDA_DEVICE_MEMORY_SHARED_CACHE=/tmp/labrun-hami-core.x/cache-\(pid)",
      "probe: mapped /tmp/labrun-hami-core.x/libvgpu.so",
      "probe: device 0 NVIDIA H200, cudaMemGetInfo free=\(slice - 518) MiB total=\(slice) MiB",
    ] + extra + [
      "[HAMI-core ERROR (pid:\(pid) thread=139885108592640 allocator.c:52)]: Device 0 OOM \(requested) / \(limit)",
      "cudaMalloc refused after \(refused) MiB allocated: out of memory",
      "[HAMI-core Msg(\(pid):139885108592640:multiprocess_memory_limit.c:700)]: Cleanup on exit for PID \(pid)",
    ]).joined(separator: "\n") + "\n"
  }

  static let tenantA = probe(
    pid: 2027, slice: 4000, refused: 3328, requested: 4_221_566_976, limit: 4_194_304_000)
  static let tenantB = probe(
    pid: 2029, slice: 12000, refused: 11264, requested: 12_622_757_888, limit: 12_582_912_000)

  static func bundle(_ files: [String: String], parameters: [String: RecordedValue] = [:]) -> EvidenceBundle {
    var values: [String: RecordedValue] = [
      "tenants": .string("4000,12000"), "core_limits": .string("50,25"), "pair_core_limits": .string("30,70"),
      "throughput_tolerance": .int(10),
    ]
    for (key, value) in parameters { values[key] = value }
    let run = RecordedRun(
      runID: "20261202T060000Z-local", lab: HAMiCoreIsolationLab.name, targetKindText: "local",
      startedAt: "2026-12-02T06:00:00Z", parameters: Parameters(values))
    let artifacts = files.map { Artifact(name: $0.key, data: Data($0.value.utf8)) }
    return EvidenceBundle(
      run: run, artifacts: artifacts, integrity: .verified(fileCount: artifacts.count), provenance: .recorded)
  }

  static func section(_ command: String, _ output: String) -> String { "$ \(command)\n\n\(output)" }

  static func result(_ id: String, _ bundle: EvidenceBundle) -> ExerciseResult? {
    HAMiCoreIsolationLab().results(for: bundle).first { $0.id == id }
  }

  // MARK: parsers

  @Test func throughputProbeOutputReadsSettingsAndSamplesAmongHAMiCoreLines() throws {
    let lines = [
      "[HAMI-core Msg(3001:139885108592640:libvgpu.c:911)]: Initialized",
      "throughput-probe: pid 3001, device 0 NVIDIA H200 (132 SMs), LD_PRELOAD=/tmp/x/libvgpu.so CUDA_DEVICE_SM_LIMIT=30 "
        + "GPU_CORE_UTILIZATION_POLICY=force, 20 s",
      "sample 1 s: 40.00 TFLOPS", "sample 2 s: 64.17 TFLOPS", "sample 3 s: 64.19 TFLOPS",
    ]
    let output = try #require(ThroughputProbeOutput(lines: lines))
    #expect(output.pid == 3001)
    #expect(output.coreLimit == 30)
    #expect(output.policy == "force")
    #expect(output.samples.count == 3)
    #expect(abs((output.meanTFLOPS ?? 0) - 64.18) < 0.001, "the first second (ramp-up) is left out")
    let unlimited = try #require(
      ThroughputProbeOutput(lines: [
        "throughput-probe: pid 7, device 0 NVIDIA H200 (132 SMs), LD_PRELOAD=unset CUDA_DEVICE_SM_LIMIT=unset "
          + "GPU_CORE_UTILIZATION_POLICY=unset, 6 s"
      ]))
    #expect(unlimited.coreLimit == nil && unlimited.policy == nil && unlimited.samples.isEmpty)
    #expect(ThroughputProbeOutput(lines: ["nothing here"]) == nil)
  }

  @Test func computeAppsReadsTheRealH200Sample() throws {
    // As captured during the 30/70 pair on a real H200.
    let apps = try #require(
      NvidiaSMIComputeApps(lines: [
        "pid, process_name, gpu_uuid, used_gpu_memory [MiB]",
        "1179, python3, GPU-f7eb4d1e-135a-5ca3-3888-31572097b512, 1002 MiB",
        "1177, python3, GPU-f7eb4d1e-135a-5ca3-3888-31572097b512, 1002 MiB",
      ]))
    #expect(apps.processes.map(\.pid) == [1179, 1177])
    #expect(
      apps.processes.allSatisfy {
        $0.gpuUUID == "GPU-f7eb4d1e-135a-5ca3-3888-31572097b512" && $0.usedMiB == 1002
      })
    #expect(NvidiaSMIComputeApps(lines: ["pid, gpu_uuid, used_gpu_memory [MiB]"])?.processes.isEmpty == true)
    #expect(NvidiaSMIComputeApps(lines: ["No devices were found"]) == nil)
  }

  @Test func realH200LinesParse() throws {
    let oom = try #require(
      HAMiCoreLog.oomLines(in: [
        "[HAMI-core ERROR (pid:1799 thread=139885108592640 allocator.c:52)]: Device 0 OOM 8596226048 / 8388608000"
      ]).first)
    #expect(oom.limitBytes == 8_388_608_000 && oom.showsRefusal)
    let stale = try #require(
      HAMiCoreLog.limitInconsistencies(in: [
        "[HAMI-core ERROR (pid:1864 thread=140625548244608 multiprocess_memory_limit.c:1160)]: Limit inconsistency "
          + "detected for 15th device, 41943040000 expected, get 8388608000"
      ]).first)
    #expect(stale.expectedBytes == 41_943_040_000 && stale.effectiveBytes == 8_388_608_000)
    #expect(
      CardTenant.parse("4000,12000") == [
        .init(name: "a", sliceMiB: 4000), .init(name: "b", sliceMiB: 12000),
      ])
    #expect(CardTenant.parse("8000") == nil)
  }

  // MARK: checks

  /// The H200's two tenants with their own caches: exercises 3 and 4 pass.
  @Test func ownCachesPassCapAndPerTenantLimits() {
    let bundle = Self.bundle([
      HAMiCoreCatalog.hostGPU: Self.hostGPU,
      HAMiCoreCatalog.tenantAlone("a"): Self.section("env … memory-probe 2>&1", Self.tenantA),
      HAMiCoreCatalog.tenantAlone("b"): Self.section("env … memory-probe 2>&1", Self.tenantB),
      HAMiCoreCatalog.tenantConcurrent("a"): Self.section("env … memory-probe --hold", Self.tenantA),
      HAMiCoreCatalog.tenantConcurrent("b"): Self.section("env … memory-probe --hold", Self.tenantB),
    ])
    #expect(Self.result("3", bundle)?.verdict == .pass, "\(String(describing: Self.result("3", bundle)))")
    #expect(Self.result("4", bundle)?.verdict == .pass, "\(String(describing: Self.result("4", bundle)))")
  }

  /// Contradiction first: an OOM line naming a limit other than slice × 1048576 is a FAIL, even
  /// with the card's memory missing from the bundle.
  @Test func oomLineNamingAnotherLimitFailsEvenWithoutTheCard() throws {
    let wrong = Self.probe(
      pid: 1799, slice: 4000, refused: 3328, requested: 8_596_226_048, limit: 8_388_608_000)
    let bundle = Self.bundle([
      HAMiCoreCatalog.tenantAlone("a"): Self.section("env … memory-probe", wrong),
      HAMiCoreCatalog.tenantAlone("b"): Self.section("env … memory-probe", Self.tenantB),
    ])
    let result = try #require(Self.result("3", bundle))
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("8388608000 B, not 4194304000 B"), "\(result.reason)")
  }

  /// A refusal far above the slice with no HAMi-core line at all is a FAIL (no cap), not a gap.
  @Test func refusalFarAboveTheSliceWithoutHAMiCoreFails() throws {
    let uncapped = """
      probe: pid 900, LD_PRELOAD=/tmp/x/libvgpu.so CUDA_DEVICE_MEMORY_LIMIT=4000m CUDA_DEVICE_MEMORY_SHARED_CACHE=/tmp/x/cache-a
      probe: device 0 NVIDIA H200, cudaMemGetInfo free=142629 MiB total=143155 MiB
      cudaMalloc refused after 142592 MiB allocated: out of memory

      """
    let bundle = Self.bundle([
      HAMiCoreCatalog.hostGPU: Self.hostGPU,
      HAMiCoreCatalog.tenantAlone("a"): Self.section("env … memory-probe", uncapped),
      HAMiCoreCatalog.tenantAlone("b"): Self.section("env … memory-probe", Self.tenantB),
    ])
    let result = try #require(Self.result("3", bundle))
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("near the card's physical 143771 MiB"), "\(result.reason)")
  }

  /// The shared-cache mistake: side by side, tenant b enforces a's limit.
  @Test func sharedCacheFailsExerciseFour() throws {
    let inherited = Self.probe(
      pid: 1864, slice: 12000, refused: 3328, requested: 4_221_566_976, limit: 4_194_304_000,
      extra: [
        "[HAMI-core ERROR (pid:1864 thread=140625548244608 multiprocess_memory_limit.c:1160)]: Limit inconsistency "
          + "detected for 15th device, 12582912000 expected, get 4194304000"
      ])
    let bundle = Self.bundle([
      HAMiCoreCatalog.tenantConcurrent("a"): Self.section("env … memory-probe --hold", Self.tenantA),
      HAMiCoreCatalog.tenantConcurrent("b"): Self.section("env … memory-probe --hold", inherited),
    ])
    let result = try #require(Self.result("4", bundle))
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("from a stale shared cache file"), "\(result.reason)")
  }

  /// The H200's measurements (no throttling alone, equal shares side by side) with no HAMi-core
  /// log of the limit it read: nothing says the limit was in force, so exercise 6 is INCONCLUSIVE,
  /// never FAIL (before issue 19 this was a FAIL: "the core limit was not enforced").
  @Test func unwitnessedUnthrottledH200IsInconclusiveNotFail() throws {
    func run(_ limit: String, _ policy: String, _ values: [Double], pid: Int) -> String {
      ([
        "throughput-probe: pid \(pid), device 0 NVIDIA H200 (132 SMs), LD_PRELOAD=/tmp/x/libvgpu.so "
          + "CUDA_DEVICE_SM_LIMIT=\(limit) GPU_CORE_UTILIZATION_POLICY=\(policy), 5 s"
      ]
        + values.enumerated().map {
          "sample \($0.offset + 1) s: \(String(format: "%.2f", $0.element)) TFLOPS"
        })
        .joined(separator: "\n") + "\n"
    }
    let alone = [
      Self.section(
        "env … throughput-probe 5 2>&1", run("unset", "unset", [600, 665, 665, 664, 665], pid: 1)),
      Self.section("env … throughput-probe 5 2>&1", run("50", "force", [600, 663, 664, 663, 663], pid: 2)),
      Self.section("env … throughput-probe 5 2>&1", run("25", "force", [600, 656, 656, 656, 656], pid: 3)),
    ].joined(separator: "\n")
    let pair = [
      Self.section(
        "nvidia-smi --query-compute-apps=pid,gpu_uuid,used_memory --format=csv",
        "pid, gpu_uuid, used_gpu_memory [MiB]\n"),
      Self.section(
        "env … throughput-probe 5 start", run("30", "force", [300, 389.5, 389.5, 389.5, 389.5], pid: 4)),
      Self.section(
        "env … throughput-probe 5 start", run("70", "force", [300, 390.5, 390.5, 390.5, 390.5], pid: 5)),
    ].joined(separator: "\n")
    let bundle = Self.bundle([HAMiCoreCatalog.computeAlone: alone, HAMiCoreCatalog.computePair: pair])
    let result = try #require(Self.result("6", bundle))
    #expect(result.verdict == .inconclusive, "\(result.reason)")
    #expect(result.reason.hasPrefix("no witness that the configured limit was in force"), "\(result.reason)")
    #expect(result.reason.contains("limit 25: no `core utilization limit = 25` line"), "\(result.reason)")
    let page = ValidationPageRenderer.markdown(try LabRegistry.verify(bundle))
    #expect(page.contains("| limit 25 | 25 | force | ❔ no `core utilization limit = 25` line"), "\(page)")
  }

  /// Exercise 1 from the pids the probes printed and the host's process list.
  @Test func coResidencyNeedsEveryTenantPidOnOneGPU() throws {
    let sample = Self.section(
      "nvidia-smi --query-compute-apps=pid,gpu_uuid,used_memory --format=csv",
      "pid, gpu_uuid, used_gpu_memory [MiB]\n2027, \(Self.uuid), 3846 MiB\n2029, \(Self.uuid), 11782 MiB\n")
    var files = [
      HAMiCoreCatalog.hostGPU: Self.hostGPU, HAMiCoreCatalog.coResidency: sample,
      HAMiCoreCatalog.tenantConcurrent("a"): Self.section("env … --hold", Self.tenantA),
      HAMiCoreCatalog.tenantConcurrent("b"): Self.section("env … --hold", Self.tenantB),
    ]
    #expect(Self.result("1", Self.bundle(files))?.verdict == .pass)
    files[HAMiCoreCatalog.coResidency] = Self.section(
      "nvidia-smi --query-compute-apps=pid,gpu_uuid,used_memory --format=csv",
      "pid, gpu_uuid, used_gpu_memory [MiB]\n2027, \(Self.uuid), 3846 MiB\n")
    let missing = try #require(Self.result("1", Self.bundle(files)))
    #expect(missing.verdict == .inconclusive)
    #expect(
      missing.reason.contains("tenant b (pid 2029) is not in the host's GPU processes"), "\(missing.reason)")
  }
}
