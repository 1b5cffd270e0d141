import Foundation
import LabPipeline

/// Writes `marker_dir/<file>` once; satisfied when it exists.
struct SelfTestWriteMarker: Step {
  struct Output: Codable, Sendable, Hashable {
    var path: String
  }

  let id: String
  let file: String
  var title: String { "Write \(file)" }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run("test -f \(SelfTestLab.path(ctx.parameters, file))").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> Output {
    try await runPlanned(ctx)
    return try observe(ctx)
  }

  func observe(_ ctx: StepContext) throws -> Output {
    Output(path: try SelfTestLab.directory(ctx.parameters) + "/" + file)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("date -u +%Y-%m-%dT%H:%M:%SZ > \(try SelfTestLab.path(ctx.parameters, file))")]
  }
}
