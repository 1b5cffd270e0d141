import Foundation
import LabPipeline

/// Sleeps `sleep_seconds`, then leaves `slept`; satisfied once `slept` exists.
struct SelfTestSleep: Step {
  var id: String { "sleep" }
  var title: String { "Sleep sleep_seconds" }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run("test -f \(SelfTestLab.path(ctx.parameters, "slept"))").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let seconds = try ctx.parameters.int("sleep_seconds")
    return [RemoteCommand("sleep \(seconds) && touch \(try SelfTestLab.path(ctx.parameters, "slept"))")]
  }
}
