import Foundation
import TestSupport
import Testing

/// Issue 12 item 13: `make test` checks after the suite that its temporary root is empty and
/// that no process the suite started remains (scripts/check-test-leftovers.sh, run by the
/// Makefile); these tests run that check on a root of their own.
@Suite struct TestHygieneTests {
  static func check(_ root: URL) async -> (status: Int32, output: String) {
    let package = (try? TestPackage.root()) ?? URL(fileURLWithPath: ".")
    return await SpawnedProcess.completed([
      "/bin/sh", package.appendingPathComponent("scripts/check-test-leftovers.sh").path, root.path,
    ])
  }

  @Test func theMakefileRunsTheCheckAfterTheSuiteUnderItsOwnRoot() throws {
    let makefile = try String(
      contentsOf: TestPackage.root().appendingPathComponent("Makefile"), encoding: .utf8)
    #expect(makefile.contains("LABRUN_TEST_ROOT=$(TEST_ROOT) LABRUN_TEST_BINARY="))
    #expect(makefile.contains("$(SWIFT) test --skip-build --parallel"))
    #expect(makefile.contains("scripts/check-test-leftovers.sh $(TEST_ROOT)"))
  }

  /// `make test` builds the labrun it tests with the Swift runtime linked in, as released, and
  /// names it to the suite (``LabrunBinary/variable``).
  @Test func theMakefileTestsAStaticallyLinkedLabrun() throws {
    let makefile = try String(
      contentsOf: TestPackage.root().appendingPathComponent("Makefile"), encoding: .utf8)
    #expect(
      makefile.contains(
        "--static-swift-stdlib $(SWIFT_BUILD_FLAGS) --product labrun --scratch-path $(TEST_BINARY_BUILD)"))
    #expect(makefile.contains("LABRUN_TEST_BINARY=$(CURDIR)/$(TEST_BINARY_BUILD)/debug/labrun"))
  }

  @Test func temporaryDirectoriesAreMadeUnderTheRoot() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    #expect(
      directory.url.deletingLastPathComponent().standardizedFileURL
        == TemporaryDirectory.root.standardizedFileURL)
  }

  @Test func anEmptyRootWithNoProcessPasses() async throws {
    let root = try TemporaryDirectory(prefix: "hygiene")
    defer { root.remove() }
    let result = await Self.check(root.url)
    #expect(result.status == 0, "\(result.output)")
  }

  @Test func aLeftFileAndALeftProcessFailTheCheck() async throws {
    let root = try TemporaryDirectory(prefix: "hygiene")
    defer { root.remove() }
    try Data("key".utf8).write(to: root.appending("id_ed25519"))
    var environment = ProcessInfo.processInfo.environment
    environment[TemporaryDirectory.rootVariable] = root.path
    let sleeper = try SpawnedProcess(["/bin/sleep", "300"], environment: environment)
    defer { sleeper.terminate() }
    let result = await Self.check(root.url)
    #expect(result.status == 1, "\(result.output)")
    #expect(result.output.contains("id_ed25519"), "\(result.output)")
    #expect(result.output.contains("\(sleeper.pid): /bin/sleep 300"), "\(result.output)")
  }
}
