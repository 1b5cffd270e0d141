import Foundation
import LabPipeline
import TestSupport
import Testing

/// Issue 20 defect 4: each command's exit status is the README's table (one mapping for every
/// command): a usage error of the parameters is 2, a command line that names something wrong
/// is 64, never "a step failed" (1), "unreachable" (3) or "run state" (4).
@Suite struct ExitStatusTableTests {
  /// A `--param` that differs from what the resumed run recorded is a usage error of the
  /// parameters (2), and the message says how to go on.
  @Test func parameterDifferingFromTheRecordedRunExitsTwo() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let gate = fixture.root.appending("gate-closed")
    try Data().write(to: gate)
    let first = try await fixture.labrun(fixture.selftest("up", ["fail_while_exists=\(gate.path)"]))
    #expect(first.status == 1, "\(first)")
    // The failed run changed the host (its markers are written): a resume must keep its parameters.
    let differing = try await fixture.labrun(fixture.selftest("up", ["fail_while_exists=/nonexistent/other"]))
    #expect(differing.status == 2, "\(differing)")
    #expect(differing.stderr.contains("fail_while_exists"), "\(differing.stderr)")
    #expect(differing.stderr.contains("--new-run"), "\(differing.stderr)")
    #expect(try fixture.runDirectories().count == 1)
  }

  /// A run refused at its preflight changed nothing on the host: the rerun with corrected
  /// parameters starts afresh and says so, instead of refusing the new value.
  @Test func rerunAfterAPreflightRefusalWithOtherParametersStartsAfresh() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let refused = try await fixture.labrun(["up", "--host", "sim", "--param", "sim_scenario=disk-short"])
    #expect(refused.status == 1, "\(refused)")
    let states = try fixture.states(try fixture.onlyRun(), .up)
    #expect(states["preflight"] == .failed, "\(states)")
    let corrected = try await fixture.labrun(["up", "--host", "sim", "--param", "sim_scenario=none"])
    #expect(corrected.status == 0, "\(corrected)")
    #expect(corrected.stderr.contains("changed nothing on the host"), "\(corrected.stderr)")
    #expect(corrected.stderr.contains("new run "), "\(corrected.stderr)")
    #expect(try fixture.runDirectories().count == 2)
  }

  /// The same for mps-isolation, whose preflight said it changed the host until it became a
  /// HostPreflightStep: the rerun with the corrected parameter was refused as differing from
  /// the recorded run (exit 2).
  @Test func mpsRerunAfterAPreflightRefusalWithOtherParametersStartsAfresh() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let lab = ["--lab", "mps-isolation"]
    let refused = try await fixture.labrun(
      ["up", "--host", "sim", "--param", "mps_control=/nonexistent/nvidia-cuda-mps-control"] + lab)
    #expect(refused.status == 1, "\(refused)")
    #expect(
      refused.stderr.contains("preflight refused the host before changing anything"), "\(refused.stderr)")
    #expect(
      refused.stderr.contains("/nonexistent/nvidia-cuda-mps-control is not on the host"), "\(refused.stderr)")
    let corrected = try await fixture.labrun(
      ["up", "--host", "sim", "--param", "mps_control=nvidia-cuda-mps-control"] + lab)
    #expect(corrected.status == 0, "\(corrected)")
    #expect(corrected.stderr.contains("changed nothing on the host"), "\(corrected.stderr)")
    #expect(try fixture.runDirectories().count == 2)
    let down = try await fixture.labrun(["down"])
    #expect(down.status == 0, "\(down)")
  }

  /// `labs export` into a directory that already holds the lab is a command-line mistake (64),
  /// not a failed step.
  @Test func labsExportIntoAnExistingLabExitsSixtyFour() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let directory = fixture.root.appending("exported").path
    let first = try await fixture.labrun(["labs", "export", "selftest", directory])
    #expect(first.status == 0, "\(first)")
    let again = try await fixture.labrun(["labs", "export", "selftest", directory])
    #expect(again.status == 64, "\(again)")
    #expect(again.stderr.contains("already exist"), "\(again.stderr)")
  }

  /// `-F` naming a file that does not exist is a command-line mistake (64) for every command
  /// that connects, said before anything is tried.
  @Test(arguments: [["up", "--host", "gpu-vm"], ["ping", "--host", "gpu-vm"], ["run", "--host", "gpu-vm"]])
  func missingSSHConfigFileExitsSixtyFour(command: [String]) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let result = try await fixture.labrun(command + ["-F", "/nonexistent/ssh_config"])
    #expect(result.status == 64, "\(result)")
    #expect(result.stderr.contains("/nonexistent/ssh_config"), "\(result.stderr)")
    #expect(try fixture.runDirectories().isEmpty, "nothing is started")
  }

  /// A malformed `--host` is a command-line mistake (64) said first and alone: no lab is read
  /// (its line used to come before the error), nothing is started.
  @Test(arguments: ["up", "run", "plan"])
  func malformedHostIsRefusedBeforeTheLabIsRead(command: String) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let result = try await fixture.labrun([command, "--host", "a b;c"])
    #expect(result.status == 64, "\(result)")
    #expect(result.stderr.hasPrefix("labrun: error: invalid --host 'a b;c'"), "\(result.stderr)")
    #expect(!result.stderr.contains(" lab "), "\(result.stderr)")
    #expect(try fixture.runDirectories().isEmpty, "nothing is started")
  }

  /// The README's one table lists exactly the statuses `labrun --help` lists, in order.
  @Test func readmeTableIsTheStatusesLabrunKnows() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let help = try await fixture.labrun(["--help"], environment: ["COLUMNS": "100"])
    let section = try #require(help.stdout.range(of: "Exit status:"), "\(help.stdout)")
    let listed = help.stdout[section.upperBound...].split(separator: "\n").compactMap { line -> Int? in
      line.hasPrefix("  ") ? line.split(separator: " ").first.flatMap { Int($0) } : nil
    }
    let readme = try String(
      contentsOf: fixture.binary.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let start = try #require(readme.range(of: "### Exit status\n"))
    let table = String(readme[start.upperBound...]).components(separatedBy: "\n###").first ?? ""
    let rows = table.split(separator: "\n").compactMap { line -> Int? in
      guard line.hasPrefix("| ") else { return nil }
      return Int(line.dropFirst(2).prefix { $0 != " " })
    }
    #expect(listed.count >= 9, "\(help.stdout)")
    #expect(rows == listed, "README's exit-status table against labrun --help")
  }
}
