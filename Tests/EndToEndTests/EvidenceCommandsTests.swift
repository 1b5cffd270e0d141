import Foundation
import LabPipeline
import TestSupport
import Testing

/// `labrun report`, `verify` and `bundle`, run as the built binary.
@Suite struct EvidenceCommandsTests {
  let labrun: LabrunBinary

  init() async throws {
    labrun = try LabrunBinary()
  }

  func copy(_ fixture: String, checksums: EvidenceFixture.Checksums = .compute) throws -> EvidenceFixture {
    try EvidenceFixture(copying: Fixtures.bundle(fixture), checksums: checksums)
  }

  /// Acceptance 3: a run directory and its tar.gz render the same bytes.
  @Test(arguments: ["markdown", "json"])
  func reportOnDirectoryAndOnBundleAreIdentical(format: String) async throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    let archive = run.scratch.appendingPathComponent("evidence.tar.gz")
    let bundled = try await labrun.run(["bundle", "--run", run.directory.path, "-o", archive.path])
    #expect(bundled.status == 0, "\(bundled.stderr)")
    #expect(bundled.stdout == archive.path + "\n")
    let fromDirectory = try await labrun.run(["report", "--run", run.directory.path, "--format", format])
    let fromArchive = try await labrun.run(["report", "--run", archive.path, "--format", format])
    #expect(fromDirectory.status == 0, "\(fromDirectory.stderr)")
    #expect(fromArchive.status == 0, "\(fromArchive.stderr)")
    #expect(!fromDirectory.stdout.isEmpty)
    #expect(fromDirectory.stdout == fromArchive.stdout)
  }

  @Test func bundlesAreReproducible() async throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    let first = run.scratch.appendingPathComponent("one.tar.gz")
    let second = run.scratch.appendingPathComponent("two.tar.gz")
    #expect(try await labrun.run(["bundle", "--run", run.directory.path, "-o", first.path]).status == 0)
    #expect(
      try await labrun.run(["bundle", "--run", run.directory.path, "--output", second.path]).status == 0)
    #expect(try Data(contentsOf: first) == Data(contentsOf: second))
  }

  /// Issue 10: `.lock` holds the pid of the last labrun that opened the run; it is not packed,
  /// so packings around another labrun command are the same bytes.
  @Test func bundlesLeaveOutTheLockAndOtherHiddenFiles() async throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    let lock = run.directory.appendingPathComponent(".lock")
    let first = run.scratch.appendingPathComponent("one.tar.gz")
    let second = run.scratch.appendingPathComponent("two.tar.gz")
    try Data("4242\n".utf8).write(to: lock)
    #expect(try await labrun.run(["bundle", "--run", run.directory.path, "-o", first.path]).status == 0)
    try Data("31337\n".utf8).write(to: lock)
    try Data("partial".utf8).write(to: run.artifactsDirectory.appendingPathComponent(".SHA256SUMS.tmp"))
    #expect(try await labrun.run(["bundle", "--run", run.directory.path, "-o", second.path]).status == 0)
    #expect(try Data(contentsOf: first) == Data(contentsOf: second))
    let listing = await SpawnedProcess.completed(["/usr/bin/tar", "-tzf", first.path])
    #expect(listing.status == 0, "\(listing.output)")
    #expect(listing.output.contains("/run.json\n"))
    #expect(!listing.output.contains(".lock"), "\(listing.output)")
  }

  /// `--format junit`: one testcase per exercise, FAIL a <failure>, INCONCLUSIVE an <error>;
  /// parsed by a real XML parser (libxml2, through FoundationXML).
  @Test(arguments: [("runc-default-runtime", 3, 0), ("probe-b-missing", 0, 2), ("a6000-validated", 0, 0)])
  func junitHasOneTestcasePerExercise(fixture: String, failures: Int, errors: Int) async throws {
    let run = try copy(fixture)
    defer { run.remove() }
    let junit = try await labrun.run(["report", "--run", run.directory.path, "--format", "junit"])
    #expect(junit.status == 0, "\(junit.stderr)")
    let parsed = try #require(JUnitDocument(xml: junit.stdout), "not XML: \(junit.stdout)")
    #expect(
      parsed.testcases == [
        "1 Co-residency", "2 Virtualized device view", "3 Memory-cap enforcement",
        "4 Per-device budget (scheduler)", "5 The mechanism",
      ])
    #expect(parsed.failures.count == failures)
    #expect(parsed.errors.count == errors)
    #expect(parsed.suiteAttributes["failures"] == String(failures))
    #expect(parsed.suiteAttributes["errors"] == String(errors))
    #expect(parsed.suiteAttributes["tests"] == "5")
    let json = try await labrun.run(["report", "--run", run.directory.path, "--format", "json"])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let reasons = (object["exercises"] as? [[String: Any]] ?? []).filter {
      $0["verdict"] as? String == "FAIL"
    }
    .compactMap { $0["reason"] as? String }
    #expect(parsed.failures.map(\.message) == reasons)
  }

  @Test func jsonFlagIsAnAliasAndVerifySpeaksJSON() async throws {
    let run = try copy("oversubscribe-running")
    defer { run.remove() }
    let long = try await labrun.run(["report", "--run", run.directory.path, "--format", "json"])
    let short = try await labrun.run(["report", "--run", run.directory.path, "--json"])
    #expect(short.status == 0, "\(short.stderr)")
    #expect(short.stdout == long.stdout)
    let verify = try await labrun.run(["verify", "--run", run.directory.path, "--json"])
    #expect(verify.status == 1)
    #expect(verify.stdout == long.stdout)
    let conflicting = try await labrun.run([
      "report", "--run", run.directory.path, "--json", "--format", "junit",
    ])
    #expect(conflicting.status == 64, "\(conflicting.stderr)")
  }

  /// Acceptance 4: a changed byte in any artifact stops report and verify, naming the file.
  @Test func changedByteInAnyArtifactFailsNamingTheFile() async throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    for name in try run.artifactNames() {
      try run.flipByte(in: name)
      let report = try await labrun.run(["report", "--run", run.directory.path])
      #expect(report.status != 0, "report accepted a changed \(name)")
      #expect(report.stdout.isEmpty)
      #expect(
        report.stderr.contains("artifact \(name) does not match SHA256SUMS"), "\(report.stderr)")
      let verify = try await labrun.run(["verify", "--run", run.directory.path])
      #expect(verify.status == 4, "verify exit \(verify.status) for a changed \(name)")
      #expect(verify.stderr.contains(name))
      let bundle = try await labrun.run([
        "bundle", "--run", run.directory.path, "-o", run.scratch.appendingPathComponent("x.tar.gz").path,
      ])
      #expect(bundle.status != 0)
      try run.flipByte(in: name)
    }
    #expect(try await labrun.run(["verify", "--run", run.directory.path]).status == 0)
  }

  @Test func changedByteInsideABundleIsRefused() async throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    let archive = run.scratch.appendingPathComponent("evidence.tar.gz")
    #expect(try await labrun.run(["bundle", "--run", run.directory.path, "-o", archive.path]).status == 0)
    // Rebuild the archive by hand with one artifact altered after the fact.
    try run.flipByte(in: "1-co-residency.txt")
    let tar = await SpawnedProcess.completed(
      ["/usr/bin/tar", "-czf", archive.path, "-C", run.scratch.path, run.directory.lastPathComponent])
    #expect(tar.status == 0, "\(tar.output)")
    let report = try await labrun.run(["report", "--run", archive.path])
    #expect(report.status != 0)
    #expect(report.stderr.contains("1-co-residency.txt"))
  }

  @Test(arguments: [
    ("a6000-validated", Int32(0)), ("h100-validated", 0), ("runc-default-runtime", 1),
    ("view-virtualized-no-cap", 1),
    ("oversubscribe-running", 1), ("slice-mismatch", 1), ("probe-b-missing", 2), ("simulated", 3),
    ("hami-lab7-k3s", 0), ("hami-lab7-no-cap", 1), ("hami-lab7-underflow", 1), ("hami-lab7-runc", 1),
  ])
  func verifyExitCodes(fixture: String, code: Int32) async throws {
    let run = try copy(fixture)
    defer { run.remove() }
    let verify = try await labrun.run(["verify", "--run", run.directory.path])
    #expect(verify.status == code, "\(verify.stdout)\(verify.stderr)")
    let lines = verify.stdout.split(separator: "\n")
    #expect(lines.count == 6)
    #expect(lines.prefix(5).map { String($0.prefix(2)) } == ["1 ", "2 ", "3 ", "4 ", "5 "])
    // report renders a page whatever the status.
    let report = try await labrun.run(["report", "--run", run.directory.path])
    #expect(report.status == 0)
    #expect(report.stdout.hasPrefix("# HAMi GPU Isolation Validation"))
  }

  @Test func missingChecksumsVerifyIncomplete() async throws {
    let run = try copy("a6000-validated", checksums: .remove)
    defer { run.remove() }
    let verify = try await labrun.run(["verify", "--run", run.directory.path])
    #expect(verify.status == 2)
    #expect(verify.stdout.contains("STATUS: INCOMPLETE"))
    #expect(verify.stdout.contains("SHA256SUMS missing"))
  }

  @Test func currentRunFromTheStateDirectory() async throws {
    let run = try copy("a6000-validated", checksums: .keep)
    defer { run.remove() }
    let state = run.scratch.appendingPathComponent("state", isDirectory: true)
    let runs = state.appendingPathComponent("runs", isDirectory: true)
    try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      at: run.directory, to: runs.appendingPathComponent("20260623T101500Z-optimistic-fermi"))
    try StateDirectory(root: state).setCurrentRun(id: "20260623T101500Z-optimistic-fermi")
    let environment = ["LABRUN_HOME": state.path]
    let current = try await labrun.run(["report"], environment: environment)
    let byID = try await labrun.run(
      ["report", "--run", "20260623T101500Z-optimistic-fermi"], environment: environment)
    let byDirectory = try await labrun.run(["report", "--run", run.directory.path], environment: environment)
    #expect(current.status == 0, "\(current.stderr)")
    #expect(current.stdout == byID.stdout)
    #expect(current.stdout == byDirectory.stdout)
    let defaultBundle = try await labrun.run(
      ["bundle"], environment: environment, workingDirectory: run.scratch)
    #expect(defaultBundle.status == 0, "\(defaultBundle.stderr)")
    #expect(
      FileManager.default.fileExists(
        atPath: run.scratch.appendingPathComponent("20260623T101500Z-optimistic-fermi.tar.gz").path))
  }

  @Test func noRunIsAClearError() async throws {
    let scratch = try TemporaryDirectory(prefix: "labrun-empty")
    defer { scratch.remove() }
    let environment = ["LABRUN_HOME": scratch.path]
    let report = try await labrun.run(["report"], environment: environment)
    #expect(report.status != 0)
    #expect(report.stderr.contains("no current run"))
    #expect(try await labrun.run(["verify"], environment: environment).status == 4)
  }

  @Test func importHandCapturedEvidence() async throws {
    let artifacts = try Fixtures.bundle("a6000-validated").appendingPathComponent("artifacts")
    let report = try await labrun.run([
      "report", "--import", artifacts.path, "--host", "optimistic-fermi", "--date", "2026-06-23",
      "--provider", "Hyperstack",
    ])
    #expect(report.status == 0, "\(report.stderr)")
    #expect(
      report.stdout.contains(
        "**STATUS: ⚠️ INCOMPLETE** - imported evidence captured by hand on optimistic-fermi"))
    #expect(report.stdout.contains("| Date | 2026-06-23 (--date) |"))
    let json = try await labrun.run([
      "report", "--import", artifacts.path, "--host", "h", "--date", "2026-06-23", "--format", "json",
    ])
    #expect(json.stdout.contains("\"provenance\" : \"imported\""))
  }

  @Test(arguments: [
    ["report", "--import", "/tmp"],
    ["report", "--import", "/tmp", "--host", "h", "--date", "23/06/2026"],
    ["report", "--host", "h"],
    ["report", "--format", "html"],
    ["bundle", "--run", "x.tar.gz"],
  ])
  func badArgumentsAreUsageErrors(arguments: [String]) async throws {
    let result = try await labrun.run(arguments)
    #expect(result.status == 64, "\(arguments): \(result.stderr)")
  }

  @Test func verifyHelpDocumentsExitCodes() async throws {
    let help = try await labrun.run(["verify", "--help"])
    for line in [
      "0  VALIDATED", "1  FAILED", "2  INCOMPLETE", "3  SIMULATED", "4  the evidence could not be read",
      "--allowed-signers", "--json",
    ] {
      #expect(help.stdout.contains(line))
    }
  }
}
