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
  static let phase = phase(pod)
  static let reasons = reasons(pod)
  static func phase(_ pod: String) -> RemoteCommand {
    RemoteCommand("kubectl get pod \(pod) -o jsonpath='{.status.phase}'")
  }
  static func reasons(_ pod: String) -> RemoteCommand {
    RemoteCommand(
      "kubectl get events --field-selector involvedObject.name=\(pod) -o jsonpath='{range .items[*]}{.reason}{\"\\n\"}{end}'"
    )
  }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let sizes = try ctx.output(of: ExerciseSizesStep())
    let gpu = try ctx.output(of: HAMiPreflight()).uuid
    try await run(ctx, requestMiB: sizes.oversubscribeMiB, gpuUUID: gpu, node: nil)
    return NoOutput()
  }

  /// Creates the pod on GPU `gpuUUID` (of cluster node `node`, when given), waits for the
  /// scheduler's verdict and captures its status and events into the node's files.
  func run(_ ctx: StepContext, requestMiB: Int, gpuUUID: String, node: String?) async throws {
    try await ctx.runChecked(try create(ctx.parameters, requestMiB: requestMiB, gpuUUID: gpuUUID, node: node))
    try await Self.waitForVerdict(ctx)
    let status = HAMiCatalog.file(HAMiCatalog.oversubscribeStatus, on: node)
    let events = HAMiCatalog.file(HAMiCatalog.oversubscribeEvents, on: node)
    try await ctx.capture([RemoteCommand("kubectl get pod \(Self.pod) -o wide")], into: status)
    try await ctx.capture([Self.eventsSection(Self.pod)], into: events)
  }

  /// The Events section of `kubectl describe pod`.
  static func eventsSection(_ pod: String) -> RemoteCommand {
    RemoteCommand("kubectl describe pod \(ShellQuote.quote(pod)) | sed -n '/^Events:/,$p'")
  }

  /// Waits until the pod is Running or its events show FilteringFailed.
  static func waitForVerdict(_ ctx: StepContext, pod: String = Self.pod) async throws {
    try await ctx.wait(
      for: "a scheduling verdict on \(pod) (FilteringFailed, or Running)",
      timeout: try ctx.parameters.duration("event_timeout")
    ) {
      if try await ctx.run(phase(pod)).trimmedStdout == "Running" { return true }
      return try await ctx.run(reasons(pod)).stdoutText.contains("FilteringFailed")
    }
  }

  /// The oversubscribe pod, pinned to the share pods' card: on a multi-GPU host an empty
  /// card would otherwise take it.
  func create(_ parameters: Parameters, requestMiB: Int, gpuUUID: String, node: String? = nil) throws
    -> RemoteCommand
  {
    let image = try parameters.string("probe_image")
    let manifest =
      try node.map {
        try manifests.clusterPod(
          name: Self.pod, image: image, gpumemMiB: requestMiB, gpuUUID: gpuUUID, node: $0)
      } ?? manifests.gpuPod(name: Self.pod, image: image, gpumemMiB: requestMiB, gpuUUID: gpuUUID)
    return RemoteCommand("kubectl apply -f -", stdin: Array(manifest.utf8))
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      try create(
        ctx.parameters, requestMiB: (try? ctx.parameters.int("oversubscribe_mib")) ?? 0,
        gpuUUID: ctx.placeholder("gpu-uuid")), Self.phase,
      Self.reasons, RemoteCommand("kubectl get pod \(Self.pod) -o wide"),
      Self.eventsSection(Self.pod),
    ]
  }
}
