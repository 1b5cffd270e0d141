import Foundation
import LabPipeline

/// Uses the facts step's output from the up phase.
struct SelfTestUseFacts: Step {
  var id: String { "use-facts" }
  var title: String { "Write the kernel name from the up phase" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let facts = try ctx.output(of: SelfTestFacts())
    try await ctx.runChecked(
      "printf '%s\\n' \(ShellQuote.quote(facts.kernel)) > \(try SelfTestLab.path(ctx.parameters, "kernel.txt"))"
    )
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      RemoteCommand(
        "printf '%s\\n' \(ctx.placeholder("facts.kernel")) > \(try SelfTestLab.path(ctx.parameters, "kernel.txt"))"
      )
    ]
  }
}
