import Foundation
import LabPipeline
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Issue 12 item 2: rerunning `labrun run` resumes the unfinished run of that lab and target.
@Suite struct RunResumeTests {
  /// k3s's install fails once: the first `run` fails (exit 1) and tears down; the same command
  /// again resumes that run (same id), installs k3s, completes and tears down; a third `run`
  /// starts a new run because the second one completed, and `--new-run` starts afresh too.
  @Test func rerunResumesTheFailedRunThenACompletedRunIsNotResumed() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let arguments = ["run", "--host", "sim", "--param", "sim_scenario=k3s-install-fails-once"]
    let failed = try await fixture.labrun(arguments)
    #expect(failed.status == 1, "\(failed)")
    #expect(failed.stderr.contains("tearing down after the failure above"), "\(failed.stderr)")
    let id = try fixture.onlyRun().lastPathComponent

    let resumed = try await fixture.labrun(arguments)
    #expect(resumed.status == 0, "\(resumed)")
    #expect(resumed.stderr.contains("resuming run \(id)"), "\(resumed.stderr)")
    #expect(try fixture.onlyRun().lastPathComponent == id, "the rerun must resume the same run")
    let states = try fixture.states(fixture.onlyRun(), .exercises)
    #expect(!states.isEmpty && states.values.allSatisfy(\.isFinished), "\(states)")
    #expect(try fixture.states(fixture.onlyRun(), .down).values.allSatisfy(\.isFinished))

    let again = try await fixture.labrun(["run", "--host", "sim"])
    #expect(again.status == 0, "\(again)")
    #expect(again.stderr.contains("new run "), "\(again.stderr)")
    #expect(try fixture.runDirectories().count == 2)
  }

  /// `--new-run` starts afresh even when a failed run could be resumed.
  @Test func newRunStartsAfreshAfterAFailure() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let failed = try await fixture.labrun([
      "run", "--host", "sim", "--keep", "--param", "sim_scenario=k3s-install-fails-once",
    ])
    #expect(failed.status == 1, "\(failed)")
    let fresh = try await fixture.labrun(["run", "--host", "sim", "--new-run"])
    #expect(fresh.status == 0, "\(fresh)")
    #expect(fresh.stderr.contains("new run "), "\(fresh.stderr)")
    #expect(try fixture.runDirectories().count == 2)
  }

  /// A run left in place with `--keep` after its failure is resumed by the same command without
  /// `--keep`, and torn down at its end.
  @Test func aKeptFailedRunIsResumedAndTornDown() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let scenario = ["--param", "sim_scenario=k3s-install-fails-once"]
    let kept = try await fixture.labrun(["run", "--host", "sim", "--keep"] + scenario)
    #expect(kept.status == 1, "\(kept)")
    #expect(try fixture.states(fixture.onlyRun(), .down).isEmpty, "--keep: no teardown")
    let id = try fixture.onlyRun().lastPathComponent
    let resumed = try await fixture.labrun(["run", "--host", "sim"] + scenario)
    #expect(resumed.status == 0, "\(resumed)")
    #expect(resumed.stderr.contains("resuming run \(id)"), "\(resumed.stderr)")
    #expect(try fixture.runDirectories().count == 1)
    let down = try fixture.states(fixture.onlyRun(), .down)
    #expect(!down.isEmpty && down.values.allSatisfy(\.isFinished), "\(down)")
  }

  /// After Ctrl-C (SIGINT) during up, the rerun resumes that run and tears it down at the end.
  @Test func interruptedRunIsResumedAndTornDown() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let (environment, hold) = try fixture.holdingK3sInstall()
    let started = try fixture.binary.start(["run", "--host", "sim"], environment: environment)
    let sawRunning = try await fixture.waitUntilRunning("k3s")
    started.kill(SIGINT)
    let interrupted = try await started.wait()
    try FileManager.default.removeItem(at: hold)
    try #require(sawRunning, "the k3s step never showed as running: \(interrupted)")
    #expect(interrupted.status == 130, "\(interrupted)")
    let id = try fixture.onlyRun().lastPathComponent
    let resumed = try await fixture.labrun(["run", "--host", "sim"])
    #expect(resumed.status == 0, "\(resumed)")
    #expect(resumed.stderr.contains("resuming run \(id)"), "\(resumed.stderr)")
    #expect(try fixture.runDirectories().count == 1)
    #expect(try fixture.states(fixture.onlyRun(), .down).values.allSatisfy(\.isFinished))
  }
}
