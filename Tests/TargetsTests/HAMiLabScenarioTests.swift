import Foundation
import LabPipeline
import TestSupport
import Testing

/// The hami-isolation-realgpu lab's failure scenarios on the simulated GPU host, in-process
/// (``SimulatedLabRun``), side by side. The full runs through the built binary (every exercise
/// PASS, the runtime-runc FAIL with its JUnit report, the scenario table over a real sshd) are
/// in EndToEndTests.
@Suite struct HAMiLabScenarioTests {
  @Test(arguments: [
    ("view-only", ["PASS", "PASS", "FAIL", "PASS", "PASS"]),
    ("oversubscribe-scheduled", ["PASS", "PASS", "PASS", "FAIL", "PASS"]),
  ])
  func scenarioGivesItsVerdicts(scenario: String, expected: [String]) async throws {
    let run = try await SimulatedLabRun.run(
      lab: "hami-isolation-realgpu", parameters: ["sim_scenario=\(scenario)"])
    defer { run.remove() }
    // Issue 10: the exercises completed and some FAILED: exit 5, the verdicts said on stderr.
    #expect(run.exitStatus == 5, "\(run.stderr)")
    let failed = expected.filter { $0 == "FAIL" }.count
    #expect(
      run.stderr.contains("verdicts: \(5 - failed) PASS, \(failed) FAIL; STATUS: SIMULATED"), "\(run.stderr)")
    #expect(run.stderr.contains("exit 5: the exercises completed and the evidence contradicts a claim"))
    #expect(run.page.contains("🧪 SIMULATED"), "\(run.page.prefix(400))")
    #expect(run.verified?.status == .simulated, "\(run.stderr)")
    #expect(run.verdicts == expected, "\(run.verdicts)")
    // Acceptance 3: the JUnit report of that run parses, with one failure per FAIL.
    let report = try #require(run.verified)
    let junit = ValidationPageRenderer.junit(report)
    let parsed = try #require(JUnitDocument(xml: junit), "\(junit)")
    #expect(parsed.testcases.count == 5)
    #expect(parsed.failures.count == failed)
    #expect(parsed.errors.isEmpty)
  }
}
