import Foundation
import LabPipeline
import Remote
import TestSupport
import Testing

@testable import LabSim
@testable import Labs
@testable import Targets

/// The tenant labs (hami-core-isolation, mps-isolation) on the simulated GPU host, in-process: a
/// step fails half way, the host is fixed, the same command runs again. The rerun's evidence is
/// the only evidence: the failed attempt's sections never decide a verdict.
@Suite struct TenantLabRerunTests {
  /// The host preflight (shared by every lab) files the host's GPU, then fails reading the OS
  /// (here /etc/os-release is gone for the first try). The rerun's `0-host-gpu.txt` must list
  /// the card once: two `nvidia-smi -L` sections read as two GPUs, and exercise 1 then cannot
  /// tell a tenant on another GPU from the host's only one.
  @Test func preflightRunAgainFilesTheHostsGPUOnce() async throws {
    let lab = try await SimulatedPipeline(lab: HAMiCoreIsolationLab.name)
    defer { lab.remove() }
    let release = try lab.store.update { state -> String? in
      defer { state.files["/etc/os-release"] = nil }
      return state.files["/etc/os-release"]
    }
    await #expect(throws: PipelineError.self) { try await lab.run(.up, [HAMiCorePreflight()]) }
    try lab.store.update { $0.files["/etc/os-release"] = release }
    try await lab.run(.up, [HAMiCorePreflight()])

    let host = try lab.artifact(HAMiCoreCatalog.hostGPU)
    #expect(host.components(separatedBy: "$ nvidia-smi -L\n").count == 2, "\(host)")
    let evidence = HAMiCoreEvidence(try EvidenceBundle.load(directory: lab.run.directory))
    #expect(evidence.gpuCount == 1)
    #expect(try lab.artifact(HAMiCoreCatalog.os).contains("PRETTY_NAME="))
  }

  /// The stage makes its private directory, then the build fails (here nvcc is gone for the
  /// first try): the ledger never records the directory. The rerun's stage and the teardown must
  /// still find it: a verified teardown that leaves a staged libvgpu.so and probes behind is wrong.
  @Test func aFailedStagesDirectoryIsRemovedByTheRerunAndTheTeardown() async throws {
    let lab = try await SimulatedPipeline(lab: HAMiCoreIsolationLab.name)
    defer { lab.remove() }
    let nvcc = lab.store.directory + "/bin/nvcc"
    let tool = try FileManager.default.destinationOfSymbolicLink(atPath: nvcc)
    try await lab.run(.up, [HAMiCorePreflight()])
    try FileManager.default.removeItem(atPath: nvcc)
    await #expect(throws: PipelineError.self) { try await lab.run(.up) }
    let failed = try #require(lab.stagedDirectories().first, "the failed stage made no directory")
    try FileManager.default.createSymbolicLink(atPath: nvcc, withDestinationPath: tool)
    try await lab.run(.up)
    let staged = try lab.output(HAMiCoreWorkspace.self, of: "stage").directory
    #expect(lab.stagedDirectories() == [staged], "the failed stage's \(failed) was left")

    // A stage that fails with no rerun: the teardown after it removes its directory too.
    let again = try await SimulatedPipeline(lab: HAMiCoreIsolationLab.name, home: lab.home)
    try await again.run(.up, [HAMiCorePreflight()])
    try FileManager.default.removeItem(atPath: nvcc)
    await #expect(throws: PipelineError.self) { try await again.run(.up) }
    #expect(lab.stagedDirectories().count == 2, "the second run's failed stage made no directory")
    try FileManager.default.createSymbolicLink(atPath: nvcc, withDestinationPath: tool)
    try await again.run(.down)
    #expect(lab.stagedDirectories() == [staged], "the teardown left a failed stage's directory")
  }

  /// The driver falls over while tenant a runs alone (its `nvidia-smi` fails), and the step stops
  /// before tenant b: the user fixes the host and reruns. Exercise 2 must read the rerun's view,
  /// not the failed one the first attempt filed first.
  @Test func tenantsAloneRunAgainLeavesOnlyTheRerunsView() async throws {
    let lab = try await SimulatedPipeline(lab: HAMiCoreIsolationLab.name)
    defer { lab.remove() }
    try await lab.run(.up)
    let workspace = try lab.output(HAMiCoreWorkspace.self, of: "stage")
    // `rm -f` of tenant b's cache file fails on a directory: the step stops after tenant a.
    try FileManager.default.createDirectory(atPath: workspace.cache("b"), withIntermediateDirectories: false)
    try lab.store.update { $0.scenario = .driverBroken }
    await #expect(throws: PipelineError.self) { try await lab.run(.exercises, [TenantsAloneStep()]) }
    try FileManager.default.removeItem(atPath: workspace.cache("b"))
    try lab.store.update { $0.scenario = SimScenario.none }
    try await lab.run(.exercises, [TenantsAloneStep()])

    let alone = try lab.artifact(HAMiCoreCatalog.tenantAlone("a"))
    #expect(alone.components(separatedBy: " nvidia-smi 2>&1\n").count == 2, "\(alone)")
    #expect(!alone.contains("NVIDIA-SMI has failed"), "\(alone)")
    let view = try lab.result(HAMiCoreIsolationLab(), exercise: "2")
    #expect(view.verdict == .pass, "\(view.reason)")
  }

  /// The limits were not enforced on the first attempt (a library that ignores
  /// CUDA_DEVICE_SM_LIMIT), and the step stopped before the pair; the user puts the right
  /// library in place and reruns. Exercise 6 must judge the rerun's runs alone: the failed
  /// attempt's unthrottled runs would be judged beside them and fail the exercise.
  @Test func computeRunAgainJudgesOnlyTheRerunsRuns() async throws {
    let lab = try await SimulatedPipeline(
      lab: HAMiCoreIsolationLab.name,
      parameters: ["compute_seconds=5", "limited_seconds=6", "core_limits=50"])
    defer { lab.remove() }
    try await lab.run(.up)
    let workspace = try lab.output(HAMiCoreWorkspace.self, of: "stage")
    // `rm -f` of the pair's start file fails on a directory: the step stops after the runs alone.
    let start = workspace.file("6-pair.start")
    try FileManager.default.createDirectory(atPath: start, withIntermediateDirectories: false)
    try lab.store.update { $0.scenario = .coreLimitIgnored }
    await #expect(throws: PipelineError.self) { try await lab.run(.exercises, [ComputeStep()]) }
    try FileManager.default.removeItem(atPath: start)
    // Every limit held exactly (`ideal-compute`): on the simulated cards, as on the real ones
    // measured, HAMi-core's limiter misses its limits and exercise 6 FAILs whatever the rerun does.
    try lab.store.update { $0.scenario = .idealCompute }
    try await lab.run(.exercises, [ComputeStep()])

    let alone = try lab.artifact(HAMiCoreCatalog.computeAlone)
    // The unlimited run and limit 50, each once (the marker line comes before the first).
    #expect(alone.components(separatedBy: "\n$ ").count == 3, "\(alone)")
    let compute = try lab.result(HAMiCoreIsolationLab(), exercise: "6")
    #expect(compute.verdict == .pass, "\(compute.reason)")
  }

  /// Ctrl-C while the pair measures: the transport stops the command it was running, but the pair
  /// runs in the background and goes on. The rerun's unlimited baseline must not be measured beside
  /// the failed attempt's pair (in the simulator, as on a card, it then gets what the pair leaves).
  @Test func computeInterruptedDuringThePairLeavesNothingRunningBesideTheRerun() async throws {
    let lab = try await SimulatedPipeline(
      lab: HAMiCoreIsolationLab.name,
      parameters: ["compute_seconds=5", "limited_seconds=12", "core_limits=50"])
    defer { lab.remove() }
    try await lab.run(.up)
    // Limits held exactly, so only a baseline measured beside the old pair can fail exercise 6.
    try lab.store.update { $0.scenario = .idealCompute }
    let workspace = try lab.output(HAMiCoreWorkspace.self, of: "stage")
    try await lab.interrupt(
      [ComputeStep()], once: ["6-pair-a.out", "6-pair-b.out"].map(workspace.file), show: "sample 1 s:")
    try await lab.run(.exercises, [ComputeStep()])

    let compute = try lab.result(HAMiCoreIsolationLab(), exercise: "6")
    #expect(compute.verdict == .pass, "\(compute.reason)")
  }

  /// Ctrl-C while the MPS clients hold their memory side by side: they outlive the command the
  /// transport stopped. The rerun's sample of the host's GPU processes (exercise 1) must show its
  /// own clients, not the failed attempt's still holding beside them.
  @Test func clientsInterruptedWhileHoldingAreStoppedBeforeTheRerun() async throws {
    let lab = try await SimulatedPipeline(lab: MPSIsolationLab.name)
    defer { lab.remove() }
    try await lab.run(.up)
    let workspace = try lab.output(MPSWorkspace.self, of: "stage")
    try await lab.interrupt(
      [MPSClientsTogetherStep()], once: ["together-a.log", "together-b.log"].map(workspace.file),
      show: "probe: holding")
    try await lab.run(.exercises, [MPSClientsTogetherStep()])
    _ = try await lab.stop()

    let clients = try ["a", "b"].map { tenant in
      try #require(TenantCoResidencyCheck.pid(in: try lab.lines(MPSCatalog.tenantConcurrent(tenant))))
    }
    let sample = try #require(NvidiaSMIComputeApps(lines: try lab.lines(MPSCatalog.coResidency)))
    let probes = sample.processes.filter { $0.line.contains("memory-probe") }.map(\.pid)
    #expect(
      Set(probes) == Set(clients),
      "the sample \(sample.processes.map(\.line)); the rerun's clients \(clients)")
  }

  /// The MPS daemon does not start (`mps-not-started`: its log says so); the user fixes the host
  /// and reruns `up`. The daemon's evidence is the rerun's start alone, and the daemon the run
  /// names and tears down is the one that serves, not the one that failed: its log keeps the
  /// failed start's lines ahead of the new ones.
  @Test func mpsDaemonStartedAgainIsTheOneNamedAndStopped() async throws {
    let lab = try await SimulatedPipeline(lab: MPSIsolationLab.name)
    defer { lab.remove() }
    try lab.store.update { $0.scenario = .mpsNotStarted }
    await #expect(throws: PipelineError.self) { try await lab.run(.up) }
    try lab.store.update { $0.scenario = SimScenario.none }
    try await lab.run(.up)
    let workspace = try lab.output(MPSWorkspace.self, of: "stage")
    let serving = try #require(
      Int(
        try String(contentsOfFile: workspace.pipeDirectory + "/.sim-control.pid", encoding: .utf8)
          .trimmingCharacters(in: .whitespacesAndNewlines)))
    try await lab.run(.exercises, [MPSClientsAloneStep(), MPSClientsTogetherStep()])
    let stopped = try await lab.stop()

    let daemon = try lab.artifact(MPSCatalog.daemon)
    #expect(daemon.components(separatedBy: " -d </dev/null").count == 2, "\(daemon)")
    #expect(try lab.output(MPSStartStep.Output.self, of: "mps-start").controlPID == serving)
    #expect(stopped.pids.contains(serving), "\(stopped.pids) checked, the serving daemon is \(serving)")
    let mechanism = try lab.result(MPSIsolationLab(), exercise: "5")
    #expect(mechanism.verdict == .pass, "\(mechanism.reason)")
    #expect(mechanism.reason.contains("daemon (pid \(serving),"), "\(mechanism.reason)")
  }
}
