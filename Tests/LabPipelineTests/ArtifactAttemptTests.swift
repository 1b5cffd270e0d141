import Foundation
import LabPipeline
import TestSupport
import Testing

/// A step that failed half way and runs again (a retry, or the rerun its error asks for) leaves
/// exactly its new evidence: what the failed attempt wrote is undone first, and sections an
/// earlier, finished step wrote into the same file stay.
@Suite struct ArtifactAttemptTests {
  /// Step a starts `shared.txt`; step b appends to it and writes `own.txt`, then fails; the next
  /// invocation (a new labrun: the run read back from disk) runs b again, which now succeeds.
  @Test func aRerunUndoesTheFailedAttemptsSectionsAndKeepsTheOthers() async throws {
    let fixture = try RunFixture()
    defer { fixture.home.remove() }
    let attempts = Counter()
    let steps: [any Step] = [
      ClosureStep("a") { ctx in
        try await ctx.appendArtifact("shared.txt", command: "started by a", output: "a's line\n")
        return 0
      },
      ClosureStep("b") { ctx in
        let attempt = await attempts.next()
        try await ctx.appendArtifact("shared.txt", command: "b appends", output: "b attempt \(attempt)\n")
        try await ctx.capture([RemoteCommand("probe")], into: "own.txt", requireSuccess: false)
        try await ctx.appendArtifact("own.txt", command: "b's result", output: "attempt \(attempt)\n")
        if attempt == 1 { throw StepError.unexpected("the connection dropped") }
        return attempt
      },
    ]
    await #expect(throws: PipelineError.self) {
      try await Pipeline(run: fixture.run, transport: RecordingTransport()).run(.exercises, steps: steps)
    }
    try await Pipeline(run: try fixture.reopened(), transport: RecordingTransport()).run(
      .exercises, steps: steps)

    let shared = try artifact("shared.txt", fixture)
    #expect(shared == "$ started by a\n\na's line\n\n$ b appends\n\nb attempt 2\n", "\(shared)")
    let own = try artifact("own.txt", fixture)
    #expect(own == "$ probe\n\n\n$ b's result\n\nattempt 2\n", "\(own)")
    try expectChecksumsMatch(fixture)
    #expect(!FileManager.default.fileExists(atPath: fixture.run.directory.path + "/.artifacts-journal.json"))
  }

  /// Within one invocation: the retry policy's second attempt starts from what was there before
  /// the first.
  @Test func aRetryStartsFromTheEvidenceBeforeTheFailedAttempt() async throws {
    let fixture = try RunFixture()
    defer { fixture.home.remove() }
    let attempts = Counter()
    let steps: [any Step] = [
      ClosureStep("probe", retry: RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(1))) { ctx in
        let attempt = await attempts.next()
        try await ctx.appendArtifact("probe.txt", command: "probe", output: "refused after \(attempt) MiB\n")
        if attempt == 1 { throw StepError.unexpected("timed out") }
        return attempt
      }
    ]
    try await Pipeline(run: fixture.run, transport: RecordingTransport()).run(.exercises, steps: steps)
    #expect(try artifact("probe.txt", fixture) == "$ probe\n\nrefused after 2 MiB\n")
    try expectChecksumsMatch(fixture)
  }

  /// A finished step's evidence is the run's: a later step that fails and runs again never
  /// takes it away, and a step that finished is not undone when it is checked again.
  @Test func finishedEvidenceIsNeverUndone() async throws {
    let fixture = try RunFixture()
    defer { fixture.home.remove() }
    let steps: [any Step] = [
      ClosureStep("a") { ctx in
        try await ctx.appendArtifact("a.txt", command: "a", output: "kept\n")
        return 0
      },
      ClosureStep("b") { _ in throw StepError.unexpected("fails every time") },
    ]
    for _ in 0..<2 {
      await #expect(throws: PipelineError.self) {
        try await Pipeline(run: try fixture.reopened(), transport: RecordingTransport()).run(
          .exercises, steps: steps)
      }
    }
    #expect(try artifact("a.txt", fixture) == "$ a\n\nkept\n")
  }

  private func artifact(_ name: String, _ fixture: RunFixture) throws -> String {
    try String(contentsOf: fixture.run.artifactsDirectory.appendingPathComponent(name), encoding: .utf8)
  }

  /// `cd artifacts && sha256sum -c SHA256SUMS` passes: the undo rewrote the checksums.
  private func expectChecksumsMatch(_ fixture: RunFixture) throws {
    let list = try String(contentsOf: fixture.run.checksumsFile, encoding: .utf8)
    for line in list.split(separator: "\n") {
      let parts = line.split(separator: " ", maxSplits: 1)
      let name = parts[1].trimmingCharacters(in: .whitespaces)
      let data = try Data(contentsOf: fixture.run.artifactsDirectory.appendingPathComponent(name))
      #expect(Artifact.hexDigest(of: data) == String(parts[0]), "\(name)")
    }
  }
}
