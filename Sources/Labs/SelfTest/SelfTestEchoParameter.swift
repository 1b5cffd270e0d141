import Foundation
import LabPipeline

/// Writes `echo_value` byte for byte to `marker_dir/echo.txt` and captures it as an artifact.
struct SelfTestEchoParameter: Step {
  var id: String { "echo-parameter" }
  var title: String { "Echo echo_value to the target" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(ctx.planContext)[0])
    try await ctx.capture(
      [RemoteCommand("cat \(try SelfTestLab.path(ctx.parameters, "echo.txt"))")],
      into: SelfTestLab.echoArtifact)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let value = try ctx.parameters.string("echo_value")
    return [
      RemoteCommand(
        "printf '%s' \(ShellQuote.quote(value)) > \(try SelfTestLab.path(ctx.parameters, "echo.txt"))")
    ]
  }
}
