import Foundation
import LabPipeline

/// Says what is left of the lab on the host, and fails if anything is.
struct HAMiCoreVerifyCleanStep: Step {
  var id: String { "verify-clean" }
  var title: String { "Verify nothing of the lab is left" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let cleanup = try ctx.output(of: HAMiCoreCleanupStep())
    guard let directory = cleanup.directory else { return NoOutput() }
    var left: [String] = []
    if try await ctx.run("test -e \(ShellQuote.quote(directory))").succeeded {
      left.append("the staged directory \(directory)")
    }
    for pid in cleanup.pids where try await ctx.run("kill -0 \(pid) 2>/dev/null").succeeded {
      left.append("tenant process \(pid)")
    }
    guard left.isEmpty else {
      throw StepError.unexpected(
        "teardown left: \(left.joined(separator: "; ")); run `labrun down` again or remove them by hand")
    }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("test -e \(ctx.placeholder("dir"))")]
  }
}
