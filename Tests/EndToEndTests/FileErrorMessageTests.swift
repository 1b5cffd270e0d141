import Foundation
import TestSupport
import Testing

/// No raw Foundation or POSIX message reaches the user: a file labrun cannot read or write is
/// named with the reason in words and what to do, through the built binary.
@Suite struct FileErrorMessageTests {
  /// Foundation's own words, which name neither the file nor the fix.
  static let rawFoundation = ["NSCocoaErrorDomain", "could not be completed", "Error Domain=", "(null)"]

  /// Defect: a state directory under a regular file said
  /// `Error Domain=NSCocoaErrorDomain Code=512 "(null)"`.
  @Test func aStateDirectoryThatCannotBeCreatedIsNamed() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    try FileManager.default.createDirectory(at: fixture.root.url, withIntermediateDirectories: true)
    let blocker = fixture.root.appending("a-file")
    try Data().write(to: blocker)
    let state = blocker.appendingPathComponent("state")
    let up = try await fixture.labrun(
      fixture.selftest("up"), environment: ["LABRUN_HOME": state.path])
    #expect(up.status == 4, "\(up)")
    #expect(up.stderr.contains(state.path) || up.stderr.contains(blocker.path), "\(up.stderr)")
    #expect(up.stderr.contains("not a directory"), "\(up.stderr)")
    for raw in Self.rawFoundation { #expect(!up.stderr.contains(raw), "\(up.stderr)") }
  }

  /// `bundle -o` into a path whose directory is a file, or missing: the path, the reason, and
  /// nothing written.
  @Test func anOutputThatCannotBeWrittenIsNamed() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    try FileManager.default.createDirectory(at: fixture.root.url, withIntermediateDirectories: true)
    let blocker = fixture.root.appending("a-file")
    try Data().write(to: blocker)
    let run = try Fixtures.bundle("a6000-validated")
    for (output, reason) in [
      (blocker.appendingPathComponent("x.tar.gz"), "\(blocker.path) is not a directory"),
      (fixture.root.appending("missing/x.tar.gz"), "does not exist"),
    ] {
      let bundled = try await fixture.labrun(["bundle", "--run", run.path, "-o", output.path])
      #expect(bundled.status == 1, "\(bundled)")
      #expect(bundled.stderr.contains("cannot write \(output.path): "), "\(bundled.stderr)")
      #expect(bundled.stderr.contains(reason), "\(bundled.stderr)")
      for raw in Self.rawFoundation { #expect(!bundled.stderr.contains(raw), "\(bundled.stderr)") }
    }
  }
}
