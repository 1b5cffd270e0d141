import Foundation
import LabPipeline
import TestSupport
import Testing

/// The mps-isolation lab's scenarios on the simulated GPU host, in-process
/// (``SimulatedLabRun``), side by side. The full runs through the built binary (seven PASS
/// with no MPS process left, the mem-limit-ignored FAIL) are in EndToEndTests' MPSLabTests.
@Suite struct MPSScenarioTests {
  static let lab = "mps-isolation"

  @Test func threadLimitIgnoredFailsTheComputeExercises() async throws {
    let run = try await SimulatedLabRun.run(lab: Self.lab, parameters: ["sim_scenario=thread-limit-ignored"])
    defer { run.remove() }
    #expect(run.exitStatus == 5, "\(run.stderr)")
    #expect(run.verified?.status == .simulated, "\(run.stderr)")
    #expect(run.verdicts == ["PASS", "PASS", "PASS", "PASS", "PASS", "FAIL", "FAIL"], "\(run.verdicts)")
    // The witness (the client saw 20 of 84 SMs) confirms the setup; the measurement decides.
    #expect(
      run.page.contains(
        "NVIDIA MPS confirmed it: 25 %: CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=25: the client saw 20 of 84 SMs"),
      "\(run.page)")
    #expect(run.page.contains("= 1.00 of unlimited (expected 0.25 ± 0.10)"), "\(run.page)")
  }

  @Test func daemonThatDoesNotStartStopsTheRunQuotingItsLog() async throws {
    let run = try await SimulatedLabRun.run(lab: Self.lab, parameters: ["sim_scenario=mps-not-started"])
    defer { run.remove() }
    #expect(run.exitStatus == 1, "\(run.stderr)")
    #expect(run.stderr.contains("the MPS control daemon did not start on"), "\(run.stderr)")
    #expect(
      run.stderr.contains("its log says: ") && run.stderr.contains("Failed to start the MPS control daemon"))
    let daemon = try run.artifact("5-mps-daemon.txt")
    #expect(daemon.contains("Failed to start the MPS control daemon"), "\(daemon)")
  }
}
