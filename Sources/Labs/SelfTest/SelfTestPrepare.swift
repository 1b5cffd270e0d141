import Foundation
import LabPipeline

/// Creates `marker_dir`.
struct SelfTestPrepare: Step {
  var id: String { "prepare" }
  var title: String { "Create the marker directory" }

  func check(_ ctx: StepContext) async throws -> Bool {
    let directory = try SelfTestLab.directory(ctx.parameters)
    return try await ctx.run("test -d \(ShellQuote.quote(directory))").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("mkdir -p " + ShellQuote.quote(try SelfTestLab.directory(ctx.parameters)))]
  }
}
