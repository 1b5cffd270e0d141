import Foundation
import LabPipeline

/// Prints `$SELFTEST_TOKEN` from the target's environment, so tests can prove it is
/// redacted in the transcript, ledger, artifacts and terminal.
struct SelfTestShowToken: Step {
  struct Output: Codable, Sendable, Hashable {
    var line: String
  }

  var id: String { "show-env" }
  var title: String { "Show the SELFTEST_TOKEN variable (redacted)" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> Output {
    let line = try await ctx.capture([Self.show], into: SelfTestLab.tokenArtifact)[0].trimmedStdout
    ctx.note("target said: \(line)")
    return Output(line: line)
  }

  func observe(_ ctx: StepContext) async throws -> Output {
    Output(line: try await ctx.runChecked(Self.show).trimmedStdout)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [Self.show] }

  static let show = RemoteCommand("echo \"SELFTEST_TOKEN=${SELFTEST_TOKEN:-unset}\"")
}
