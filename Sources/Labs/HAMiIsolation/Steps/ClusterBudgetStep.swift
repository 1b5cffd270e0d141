import Foundation
import LabPipeline

/// Exercise 9, across nodes: a pod asking for more GPU memory than any one node has free, though
/// the cluster in total has room, must stay Pending. First the capture records what decides it:
/// each GPU node's registration (its cards' devmem) and every pod's
/// `hami.io/vgpu-devices-allocated` with its node (what is handed out); the request is the
/// largest node's free memory plus 500 MiB, recorded as `cluster_budget_mib`. Needs two GPU nodes.
struct ClusterBudgetStep: Step {
  let manifests: HAMiManifests

  var id: String { "cluster-budget" }
  var title: String { "Exercise 9: a pod larger than any node's free memory stays Pending" }
  var timeout: Duration { .seconds(900) }
  func timeout(_ parameters: Parameters) -> Duration {
    guard let wait = try? parameters.duration("event_timeout") else { return timeout }
    return max(timeout, wait + .seconds(300))
  }

  static let pod = HAMiCatalog.clusterBudgetPod
  /// Every pod's node and GPU allocation, one line each: `NODE ALLOCATION`.
  static let allocations = RemoteCommand(
    "kubectl get pods -A -o jsonpath='{range .items[*]}{.spec.nodeName}{\" \"}"
      + "{.metadata.annotations.hami\\.io/vgpu-devices-allocated}{\"\\n\"}{end}'")

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let gpuNodes = try ctx.output(of: ClusterNodesStep(agents: [])).gpuNodes.map(\.name)
    guard gpuNodes.count >= 2 else {
      ctx.note(
        "the cluster budget needs two GPU nodes; this cluster has \(gpuNodes.count): exercise 9 is not run")
      return NoOutput()
    }
    try await ctx.runChecked(NodeExercisesStep.deletePods)
    let outputs = try await ctx.capture(
      gpuNodes.map(HAMiInstallStep.annotation) + [Self.allocations], into: HAMiCatalog.clusterBudgetFree)
    let free = ClusterFreeMemory(
      registrations: zip(gpuNodes, outputs).map { ($0, HAMiRegistration(lines: $1.stdoutLines)) },
      allocationLines: outputs.last?.stdoutLines ?? [])
    guard let largest = free.perNode.values.max(), free.perNode.count == gpuNodes.count else {
      throw StepError.unexpected(
        "a GPU node has no readable hami.io/node-nvidia-register annotation (\(HAMiCatalog.clusterBudgetFree)); "
          + "check the hami-device-plugin pod on each node, then run `labrun exercises` again")
    }
    let request = (largest / 500 + 1) * 500
    guard request <= free.total else {
      throw StepError.unexpected(
        "the cluster has \(free.total) MiB of GPU memory free in all, not more than its largest node's "
          + "\(largest) MiB: no request can show the per-node budget; free GPU memory on the nodes and run again"
      )
    }
    try await ctx.recordParameter("cluster_budget_mib", .int(request))
    ctx.note("\(Self.pod) asks for \(request) MiB; free per node: \(free.summary)")
    try await ctx.runChecked(try create(ctx.parameters, requestMiB: request))
    try await OversubscribeStep.waitForVerdict(ctx, pod: Self.pod)
    try await ctx.capture(
      [RemoteCommand("kubectl get pod \(Self.pod) -o wide")], into: HAMiCatalog.clusterBudgetStatus)
    try await ctx.capture([OversubscribeStep.eventsSection(Self.pod)], into: HAMiCatalog.clusterBudgetEvents)
    return NoOutput()
  }

  /// The pod, pinned to no node and no GPU.
  func create(_ parameters: Parameters, requestMiB: Int) throws -> RemoteCommand {
    let manifest = try manifests.clusterPod(
      name: Self.pod, image: try parameters.string("probe_image"), gpumemMiB: requestMiB, gpuUUID: nil,
      node: nil)
    return RemoteCommand("kubectl apply -f -", stdin: Array(manifest.utf8))
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      NodeExercisesStep.deletePods, HAMiInstallStep.annotation(ctx.placeholder("each-gpu-node")),
      Self.allocations,
      try create(ctx.parameters, requestMiB: (try? ctx.parameters.int("cluster_budget_mib")) ?? 0),
      OversubscribeStep.phase(Self.pod), OversubscribeStep.reasons(Self.pod),
      RemoteCommand("kubectl get pod \(Self.pod) -o wide"), OversubscribeStep.eventsSection(Self.pod),
    ]
  }
}
