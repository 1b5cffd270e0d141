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
}
