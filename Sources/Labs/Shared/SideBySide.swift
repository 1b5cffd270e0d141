import Foundation
import LabPipeline

/// Processes started in the background at the same time on the host, each with its log and pid
/// file: started, waited for (a line in every log, or the process gone), then waited out and
/// their logs filed as artifacts. Every wait is bounded.
struct SideBySide: Sendable {
  struct Entry: Sendable {
    var name: String
    /// The whole command, bounded by its own `timeout`.
    var command: String
    var log: String
    var pid: String
  }

  var entries: [Entry]
  /// The longest a wait for a line may take.
  var timeout: Duration

  private var seconds: Int { Int(timeout.components.seconds) }

  /// Starts every entry in the background (one command line, so they start together).
  func start(_ ctx: StepContext) async throws {
    try await ctx.runChecked(
      entries.map { ProbeShell.background($0.command, log: $0.log, pid: $0.pid) }.joined(
        separator: "; "))
  }

  /// Waits until every log shows `pattern` (or its process ended); false when the time ran out.
  func wait(_ ctx: StepContext, for pattern: String) async throws -> Bool {
    try await ctx.run(
      RemoteCommand(
        ProbeShell.waitFor(pattern, logs: entries.map { ($0.log, $0.pid) }, seconds: seconds),
        timeout: timeout + .seconds(30))
    ).succeeded
  }

  /// Waits (at most `seconds`) until every process ended, then appends each log to `file(entry)`.
  func finish(_ ctx: StepContext, seconds: Int, into file: (Entry) -> String) async throws {
    _ = try await ctx.run(
      RemoteCommand(
        ProbeShell.waitExit(pids: entries.map(\.pid), seconds: seconds),
        timeout: .seconds(seconds + 30)))
    for entry in entries {
      let log = try await ctx.run(RemoteCommand("cat \(ShellQuote.quote(entry.log))"))
      try await ctx.appendArtifact(
        file(entry), command: entry.command, output: log.stdoutText + log.stderrText)
    }
  }
}
