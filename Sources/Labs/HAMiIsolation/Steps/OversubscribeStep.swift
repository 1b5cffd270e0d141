import Foundation
import LabPipeline

/// Exercise 4: a pod that fits an empty card but not beside the slices stays Pending.
struct OversubscribeStep: Step {
  let manifests: HAMiManifests
  var id: String { "oversubscribe" }
  var title: String { "Exercise 4: the oversubscribe pod stays Pending" }
  var timeout: Duration { .seconds(900) }
  func timeout(_ parameters: Parameters) -> Duration {
    guard let wait = try? parameters.duration("event_timeout") else { return timeout }
    return max(timeout, wait + .seconds(300))
  }

  static let pod = HAMiCatalog.oversubscribePod
  static let phase = RemoteCommand("kubectl get pod \(pod) -o jsonpath='{.status.phase}'")
  static let reasons = RemoteCommand(
    "kubectl get events --field-selector involvedObject.name=\(pod) -o jsonpath='{range .items[*]}{.reason}{\"\\n\"}{end}'"
  )

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let sizes = try ctx.output(of: ExerciseSizesStep())
    let gpu = try HAMiIsolationLab.gpuUUID(ctx)
    try await ctx.runChecked(try create(ctx.parameters, requestMiB: sizes.oversubscribeMiB, gpuUUID: gpu))
    try await ctx.wait(
      for: "a scheduling verdict on \(Self.pod) (FilteringFailed, or Running)",
      timeout: try ctx.parameters.duration("event_timeout")
    ) {
      if try await ctx.run(Self.phase).trimmedStdout == "Running" { return true }
      return try await ctx.run(Self.reasons).stdoutText.contains("FilteringFailed")
    }
    try await ctx.startArtifacts([HAMiCatalog.oversubscribeStatus, HAMiCatalog.oversubscribeEvents])
    try await ctx.capture(
      [RemoteCommand("kubectl get pod \(Self.pod) -o wide")], into: HAMiCatalog.oversubscribeStatus)
    try await ctx.capture(
      [RemoteCommand("kubectl describe pod \(Self.pod) | sed -n '/^Events:/,$p'")],
      into: HAMiCatalog.oversubscribeEvents)
    return NoOutput()
  }

  /// The oversubscribe pod, pinned to the share pods' card: on a multi-GPU host an empty
  /// card would otherwise take it.
  func create(_ parameters: Parameters, requestMiB: Int, gpuUUID: String) throws -> RemoteCommand {
    let manifest = try manifests.gpuPod(
      name: Self.pod, image: try parameters.string("probe_image"), gpumemMiB: requestMiB, gpuUUID: gpuUUID)
    return RemoteCommand("kubectl apply -f -", stdin: Array(manifest.utf8))
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      try create(
        ctx.parameters, requestMiB: (try? ctx.parameters.int("oversubscribe_mib")) ?? 0,
        gpuUUID: ctx.placeholder("gpu-uuid")), Self.phase,
      Self.reasons, RemoteCommand("kubectl get pod \(Self.pod) -o wide"),
      RemoteCommand("kubectl describe pod \(Self.pod) | sed -n '/^Events:/,$p'"),
    ]
  }
}
