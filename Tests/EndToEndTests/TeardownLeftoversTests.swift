import Foundation
import LabPipeline
import TestSupport
import Testing

/// Issue 20 defects 6 and 7: a simulated scenario of another lab is refused, and a teardown
/// that leaves something the lab cannot remove can still be finished by the user.
@Suite struct TeardownLeftoversTests {
  /// `core-limit-ignored` is a hami-core-isolation scenario: on the Kubernetes lab it would be
  /// ignored and the run would pass, so it is refused (2) naming this lab's scenarios.
  @Test func scenarioOfAnotherLabIsRefusedWithThisLabsScenarios() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let result = try await fixture.labrun([
      "up", "--host", "sim", "--param", "sim_scenario=core-limit-ignored",
    ])
    #expect(result.status == 2, "\(result)")
    #expect(result.stderr.contains("core-limit-ignored"), "\(result.stderr)")
    #expect(result.stderr.contains("hami-isolation-realgpu"), "\(result.stderr)")
    #expect(result.stderr.contains("label-sticks"), "lists the lab's scenarios: \(result.stderr)")
    #expect(try fixture.runDirectories().isEmpty, "nothing is started")
  }

  /// `label-sticks`: down can never remove the label. The error says what is left, how to remove
  /// it, and how to finish; `down --accept-leftovers` finishes the teardown (the host is
  /// released, the leftovers said and recorded) and the next `run` is not refused at claim-host.
  @Test func userFinishesATeardownThatLeftSomething() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let failed = try await fixture.labrun(["run", "--host", "sim", "--param", "sim_scenario=label-sticks"])
    #expect(failed.status == 1, "\(failed)")
    #expect(failed.stderr.contains("teardown left: the gpu=on node label"), "\(failed.stderr)")
    #expect(failed.stderr.contains("kubectl label node"), "says how to remove it: \(failed.stderr)")
    #expect(failed.stderr.contains("labrun down --accept-leftovers"), "\(failed.stderr)")

    let again = try await fixture.labrun(["down"])
    #expect(again.status == 1, "down alone still cannot remove it: \(again)")

    let accepted = try await fixture.labrun(["down", "--accept-leftovers"])
    #expect(accepted.status == 0, "\(accepted)")
    #expect(accepted.stderr.contains("left on the host: the gpu=on node label"), "\(accepted.stderr)")
    let run = try fixture.onlyRun()
    let states = try fixture.states(run, .down)
    #expect(states["release-host"] == .done, "\(states)")
    let status = try await fixture.labrun(["status", "--json"])
    #expect(status.stdout.contains("gpu=on node label"), "the ledger records what was left: \(status.stdout)")

    let next = try await fixture.labrun(["run", "--host", "sim"])
    #expect(next.status == 0, "\(next)")
    #expect(!next.stderr.contains("the host is owned by"), "\(next.stderr)")
  }
}
