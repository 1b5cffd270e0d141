import Foundation
import LabPipeline

/// Exercise 5: the HAMi-core injection in pod a (env, ld.so.preload, the library).
struct MechanismStep: Step {
  var id: String { "mechanism" }
  var title: String { "Exercise 5: the HAMi-core mechanism in \(Self.pod)" }

  /// The share pod whose injection is shown.
  static let pod = HAMiCatalog.sharePods[0]

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await run(ctx, node: nil)
    return NoOutput()
  }

  /// Captures pod a's injection into its file (cluster node `node`'s, when given).
  func run(_ ctx: StepContext, node: String?) async throws {
    // A missing preload or library is evidence (the verifier decides), not a step failure.
    let file = HAMiCatalog.file(HAMiCatalog.mechanism(pod: Self.pod), on: node)
    try await ctx.capture(try plan(ctx.planContext), into: file, requireSuccess: false)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let pod = ShellQuote.quote(Self.pod)
    return [
      RemoteCommand("kubectl exec \(pod) -- env"),
      RemoteCommand("kubectl exec \(pod) -- cat /etc/ld.so.preload"),
      RemoteCommand("kubectl exec \(pod) -- ls -l /usr/local/vgpu/"),
    ]
  }
}
