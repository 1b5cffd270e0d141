import Foundation
import LabPipeline
import TestSupport
import Testing

/// `labrun report`, `verify` and `bundle`, run as the built binary.
@Suite struct EvidenceCommandsTests {
  let labrun: BinaryRunner
  let fixtures: URL

  init() throws {
    labrun = try BinaryRunner.labrun()
    fixtures = try BinaryRunner.packageRoot().appendingPathComponent("Tests/StepsTests/Fixtures/bundles")
  }

  func copy(_ fixture: String, checksums: EvidenceFixture.Checksums = .compute) throws -> EvidenceFixture {
    try EvidenceFixture(copying: fixtures.appendingPathComponent(fixture), checksums: checksums)
  }

  /// Acceptance 3: a run directory and its tar.gz render the same bytes.
  @Test(arguments: ["markdown", "json"])
  func reportOnDirectoryAndOnBundleAreIdentical(format: String) throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    let archive = run.scratch.appendingPathComponent("evidence.tar.gz")
    let bundled = try labrun.run(["bundle", "--run", run.directory.path, "-o", archive.path])
    #expect(bundled.exitCode == 0, "\(bundled.stderrText)")
    #expect(bundled.stdoutText == archive.path + "\n")
    let fromDirectory = try labrun.run(["report", "--run", run.directory.path, "--format", format])
    let fromArchive = try labrun.run(["report", "--run", archive.path, "--format", format])
    #expect(fromDirectory.exitCode == 0, "\(fromDirectory.stderrText)")
    #expect(fromArchive.exitCode == 0, "\(fromArchive.stderrText)")
    #expect(!fromDirectory.stdout.isEmpty)
    #expect(fromDirectory.stdout == fromArchive.stdout)
  }

  @Test func bundlesAreReproducible() throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    let first = run.scratch.appendingPathComponent("one.tar.gz")
    let second = run.scratch.appendingPathComponent("two.tar.gz")
    #expect(try labrun.run(["bundle", "--run", run.directory.path, "-o", first.path]).exitCode == 0)
    #expect(try labrun.run(["bundle", "--run", run.directory.path, "--output", second.path]).exitCode == 0)
    #expect(try Data(contentsOf: first) == Data(contentsOf: second))
  }

  /// Acceptance 4: a changed byte in any artifact stops report and verify, naming the file.
  @Test func changedByteInAnyArtifactFailsNamingTheFile() throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    for name in try run.artifactNames() {
      try run.flipByte(in: name)
      let report = try labrun.run(["report", "--run", run.directory.path])
      #expect(report.exitCode != 0, "report accepted a changed \(name)")
      #expect(report.stdout.isEmpty)
      #expect(
        report.stderrText.contains("artifact \(name) does not match SHA256SUMS"), "\(report.stderrText)")
      let verify = try labrun.run(["verify", "--run", run.directory.path])
      #expect(verify.exitCode == 4, "verify exit \(verify.exitCode) for a changed \(name)")
      #expect(verify.stderrText.contains(name))
      let bundle = try labrun.run([
        "bundle", "--run", run.directory.path, "-o", run.scratch.appendingPathComponent("x.tar.gz").path,
      ])
      #expect(bundle.exitCode != 0)
      try run.flipByte(in: name)
    }
    #expect(try labrun.run(["verify", "--run", run.directory.path]).exitCode == 0)
  }

  @Test func changedByteInsideABundleIsRefused() throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    let archive = run.scratch.appendingPathComponent("evidence.tar.gz")
    #expect(try labrun.run(["bundle", "--run", run.directory.path, "-o", archive.path]).exitCode == 0)
    // Rebuild the archive by hand with one artifact altered after the fact.
    try run.flipByte(in: "1-co-residency.txt")
    let tar = try BinaryRunner(executable: URL(fileURLWithPath: "/usr/bin/tar")).run(
      ["-czf", archive.path, "-C", run.scratch.path, run.directory.lastPathComponent])
    #expect(tar.exitCode == 0, "\(tar.stderrText)")
    let report = try labrun.run(["report", "--run", archive.path])
    #expect(report.exitCode != 0)
    #expect(report.stderrText.contains("1-co-residency.txt"))
  }

  @Test(arguments: [
    ("a6000-validated", Int32(0)), ("h100-validated", 0), ("runc-default-runtime", 1),
    ("view-virtualized-no-cap", 1),
    ("oversubscribe-running", 1), ("slice-mismatch", 1), ("probe-b-missing", 2), ("simulated", 3),
  ])
  func verifyExitCodes(fixture: String, code: Int32) throws {
    let run = try copy(fixture)
    defer { run.remove() }
    let verify = try labrun.run(["verify", "--run", run.directory.path])
    #expect(verify.exitCode == code, "\(verify.stdoutText)\(verify.stderrText)")
    let lines = verify.stdoutText.split(separator: "\n")
    #expect(lines.count == 6)
    #expect(lines.prefix(5).map { String($0.prefix(2)) } == ["1 ", "2 ", "3 ", "4 ", "5 "])
    // report renders a page whatever the status.
    let report = try labrun.run(["report", "--run", run.directory.path])
    #expect(report.exitCode == 0)
    #expect(report.stdoutText.hasPrefix("# HAMi GPU Isolation Validation"))
  }

  @Test func missingChecksumsVerifyIncomplete() throws {
    let run = try copy("a6000-validated", checksums: .remove)
    defer { run.remove() }
    let verify = try labrun.run(["verify", "--run", run.directory.path])
    #expect(verify.exitCode == 2)
    #expect(verify.stdoutText.contains("STATUS: INCOMPLETE"))
    #expect(verify.stdoutText.contains("SHA256SUMS missing"))
  }

  @Test func currentRunFromTheStateDirectory() throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    let state = run.scratch.appendingPathComponent("state", isDirectory: true)
    let runs = state.appendingPathComponent("runs", isDirectory: true)
    try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: run.directory, to: runs.appendingPathComponent("20260623T101500Z-optimistic-fermi"))
    try StateDirectory(root: state).setCurrentRun(id: "20260623T101500Z-optimistic-fermi")
    var environment = ProcessInfo.processInfo.environment
    environment["LABRUN_HOME"] = state.path
    let current = try labrun.run(["report"], environment: environment)
    let byID = try labrun.run(
      ["report", "--run", "20260623T101500Z-optimistic-fermi"], environment: environment)
    let byDirectory = try labrun.run(["report", "--run", run.directory.path], environment: environment)
    #expect(current.exitCode == 0, "\(current.stderrText)")
    #expect(current.stdout == byID.stdout)
    #expect(current.stdout == byDirectory.stdout)
    let defaultBundle = try labrun.run(["bundle"], environment: environment, currentDirectory: run.scratch)
    #expect(defaultBundle.exitCode == 0, "\(defaultBundle.stderrText)")
    #expect(
      FileManager.default.fileExists(
        atPath: run.scratch.appendingPathComponent("20260623T101500Z-optimistic-fermi.tar.gz").path))
  }

  @Test func noRunIsAClearError() throws {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "labrun-empty-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    var environment = ProcessInfo.processInfo.environment
    environment["LABRUN_HOME"] = scratch.path
    let report = try labrun.run(["report"], environment: environment)
    #expect(report.exitCode != 0)
    #expect(report.stderrText.contains("no current run"))
    #expect(try labrun.run(["verify"], environment: environment).exitCode == 4)
  }

  @Test func importHandCapturedEvidence() throws {
    let artifacts = fixtures.appendingPathComponent("a6000-validated/artifacts")
    let report = try labrun.run([
      "report", "--import", artifacts.path, "--host", "optimistic-fermi", "--date", "2026-06-23",
      "--provider", "Hyperstack",
    ])
    #expect(report.exitCode == 0, "\(report.stderrText)")
    #expect(
      report.stdoutText.contains(
        "**STATUS: ⚠️ INCOMPLETE** - imported evidence captured by hand on optimistic-fermi"))
    #expect(report.stdoutText.contains("| Date | 2026-06-23 |"))
    let json = try labrun.run([
      "report", "--import", artifacts.path, "--host", "h", "--date", "2026-06-23", "--format", "json",
    ])
    #expect(json.stdoutText.contains("\"provenance\" : \"imported\""))
  }

  @Test(arguments: [
    ["report", "--import", "/tmp"],
    ["report", "--import", "/tmp", "--host", "h", "--date", "23/06/2026"],
    ["report", "--host", "h"],
    ["report", "--format", "html"],
    ["bundle", "--run", "x.tar.gz"],
  ])
  func badArgumentsAreUsageErrors(arguments: [String]) throws {
    let result = try labrun.run(arguments)
    #expect(result.exitCode == 64, "\(arguments): \(result.stderrText)")
  }

  @Test func verifyHelpDocumentsExitCodes() throws {
    let help = try labrun.run(["verify", "--help"])
    for line in [
      "0  VALIDATED", "1  FAILED", "2  INCOMPLETE", "3  SIMULATED", "4  the evidence could not be read",
    ] {
      #expect(help.stdoutText.contains(line))
    }
  }
}
