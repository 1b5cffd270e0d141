import Foundation
import Labs
import TestSupport
import Testing

@testable import LabSim

/// The simulated HAMi-core of the hami-core-isolation lab speaks the real formats: nvidia-smi
/// under the preload shows the slice with HAMi-core's lines around it, and the host's process
/// list shows the live preloaded processes.
@Suite struct SimHAMiCoreTests {
  @Test func nvidiaSMIUnderThePreloadShowsTheSlice() throws {
    let host = try TemporaryDirectory(prefix: "labrun-simhami")
    defer { host.remove() }
    try Data("h200-141gb\n".utf8).write(to: host.appending("profile"))
    let library = host.appending("libvgpu.so")
    try Data(SimTool.libraryMarker.utf8).write(to: library)
    let tool = SimTool(directory: host.path, environment: [:]) { "" }
    let result = tool.run(
      name: "env", arguments: ["LD_PRELOAD=\(library.path)", "CUDA_DEVICE_MEMORY_LIMIT=8000m", "nvidia-smi"])
    guard case .exit(let stdout, let stderr, let status) = result else {
      Issue.record("env nvidia-smi did not answer in-process: \(result)")
      return
    }
    #expect(status == 0)
    let table = try #require(NvidiaSMITable(lines: stdout.components(separatedBy: "\n")))
    #expect(table.gpus.first?.memoryUsage == "0MiB / 8000MiB")
    #expect(HAMiCoreLog.isPresent(in: stderr.components(separatedBy: "\n")))
    // Without the simulated library, the card itself.
    let bare = tool.run(name: "env", arguments: ["CUDA_DEVICE_MEMORY_LIMIT=8000m", "nvidia-smi"])
    guard case .exit(let plain, _, _) = bare else {
      Issue.record("env nvidia-smi did not answer in-process: \(bare)")
      return
    }
    #expect(NvidiaSMITable(lines: plain.components(separatedBy: "\n"))?.gpus.first?.memoryTotalMiB == 143771)
  }

  @Test func computeAppsListsOnlyLiveProcessesInTheRealFormat() throws {
    let host = try TemporaryDirectory(prefix: "labrun-simhami")
    defer { host.remove() }
    let store = SimStore(directory: host.path)
    let me = Int(ProcessInfo.processInfo.processIdentifier)
    try store.update { state in
      state.gpuProcesses = [
        .init(
          pid: me, name: "memory-probe", usedMiB: 3846, coreLimit: nil, computing: false, cache: "/tmp/c-a"),
        // A pid far above any pid_max: never alive.
        .init(
          pid: 99_999_999, name: "memory-probe", usedMiB: 11782, coreLimit: nil, computing: false, cache: nil),
      ]
    }
    let tool = SimTool(directory: host.path, environment: [:]) { "" }
    let result = tool.run(
      name: "nvidia-smi", arguments: ["--query-compute-apps=pid,gpu_uuid,used_memory", "--format=csv"])
    guard case .exit(let stdout, _, let status) = result else {
      Issue.record("nvidia-smi did not answer: \(result)")
      return
    }
    #expect(status == 0)
    let apps = try #require(NvidiaSMIComputeApps(lines: stdout.components(separatedBy: "\n")))
    #expect(apps.processes.map(\.pid) == [me])
    #expect(apps.processes.first?.usedMiB == 3846)
    #expect(stdout.hasPrefix("pid, gpu_uuid, used_gpu_memory [MiB]\n"))
  }

  /// As HAMi-core's shared region: the process that creates a cache file writes its core limit
  /// (100 for none) and later processes keep it, whatever they ask for; a removed file is created
  /// afresh. So a lab that runs limits 50 and 25 on the cache an unlimited run created measures
  /// nothing, as the committed 2026-12-02 run did.
  @Test func cacheFileKeepsTheCoreLimitItWasCreatedWith() throws {
    let host = try TemporaryDirectory(prefix: "labrun-simhami")
    defer { host.remove() }
    let cache = host.appending("cache-a").path
    func attach(_ environment: [String: String]) -> Int {
      SimTool(directory: host.path, environment: environment) { "" }.attachRegion(cache)
    }
    #expect(attach([:]) == 100)
    #expect(attach(["CUDA_DEVICE_SM_LIMIT": "50"]) == 100)
    #expect(attach(["CUDA_DEVICE_SM_LIMIT": "25"]) == 100)
    try FileManager.default.removeItem(atPath: cache)
    #expect(attach(["CUDA_DEVICE_SM_LIMIT": "25"]) == 25)
    #expect(attach([:]) == 25)
  }

  /// `stale-cache`: a fresh path is found already created by a process with no limit.
  @Test func staleCacheScenarioFindsEveryRegionUnlimited() throws {
    let host = try TemporaryDirectory(prefix: "labrun-simhami")
    defer { host.remove() }
    try SimStore(directory: host.path).update { $0.scenario = .staleCache }
    let tool = SimTool(directory: host.path, environment: ["CUDA_DEVICE_SM_LIMIT": "25"]) { "" }
    #expect(tool.attachRegion(host.appending("cache-6-limit-25").path) == 100)
  }

  /// A tenant without CUDA_DEVICE_MEMORY_SHARED_CACHE gets HAMi-core's default cache file, on
  /// the simulated host's own /tmp: a simulated run once left /tmp/cudevshr.cache on this machine.
  @Test func defaultCacheFileStaysOnTheSimulatedHost() throws {
    let host = try TemporaryDirectory(prefix: "labrun-simhami")
    defer { host.remove() }
    let library = host.appending("libvgpu.so")
    try Data(SimTool.libraryMarker.utf8).write(to: library)
    try FileManager.default.createDirectory(at: host.appending("tmp"), withIntermediateDirectories: true)
    let machineCache = "/tmp/cudevshr.cache"
    let before = try? FileManager.default.attributesOfItem(atPath: machineCache)[.modificationDate] as? Date
    let tool = SimTool(
      directory: host.path, environment: ["LD_PRELOAD": library.path, "CUDA_DEVICE_MEMORY_LIMIT": "4000m"]
    ) { "" }
    let result = tool.run(name: "memory-probe", arguments: [])
    guard case .exit(_, _, let status) = result else {
      Issue.record("memory-probe did not answer in-process: \(result)")
      return
    }
    #expect(status == 0)
    #expect(FileManager.default.fileExists(atPath: host.appending("tmp/cudevshr.cache").path))
    let after = try? FileManager.default.attributesOfItem(atPath: machineCache)[.modificationDate] as? Date
    #expect(after == before, "the simulated HAMi-core wrote this machine's \(machineCache)")
  }
}

/// The simulated MPS client sees the SM count a real one does (captured on an H100 of 132 SMs:
/// 25 % → 32, 30 % → 38, 70 % → 92); the simulator once rounded up (25 % → 33).
@Suite struct SimMPSClientTests {
  @Test(arguments: [(25, 32), (30, 38), (70, 92), (100, 132)])
  func visibleSMsFollowTheH100(percentage: Int, expected: Int) {
    #expect(SimTool.visibleSMs(132, percentage: percentage) == expected)
  }
}
