import Foundation
import LabPipeline

/// Removes `marker_dir`; satisfied when it is gone.
struct SelfTestCleanUp: Step {
  var id: String { "clean-up" }
  var title: String { "Remove the marker directory" }

  func check(_ ctx: StepContext) async throws -> Bool {
    let directory = try SelfTestLab.directory(ctx.parameters)
    return try await !ctx.run("test -e \(ShellQuote.quote(directory))").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("rm -rf " + ShellQuote.quote(try SelfTestLab.directory(ctx.parameters)))]
  }
}
