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
    // A missing preload or library is evidence (the verifier decides), not a step failure.
    try await ctx.startArtifacts([HAMiCatalog.mechanism(pod: Self.pod)])
    try await ctx.capture(
      try plan(ctx.planContext), into: HAMiCatalog.mechanism(pod: Self.pod),
      requireSuccess: false)
    return NoOutput()
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
