import Foundation
import LabPipeline

/// Exercises 1–5 on one GPU node of a cluster, as on one host but pinned to that node
/// (`nodeSelector: kubernetes.io/hostname` and the node's own GPU): its registration, its card,
/// sizes from its own devmem, the share pods, the probes, the oversubscribe pod and the
/// mechanism, each file as `NAME@NODE.txt`; then the node's pods are deleted, so the next node
/// (and exercises 8 and 9) start from an empty cluster. A node without a GPU is listed and
/// skipped, not failed.
struct NodeExercisesStep: Step {
  /// The agent as `--node` named it; nil for the server's own node.
  let route: String?
  let manifests: HAMiManifests

  var id: String { "node-exercises" + (route.map { "@" + $0 } ?? "") }
  var title: String { "Exercises 1-5 pinned to the node of \(route ?? "the server")" }
  func timeout(_ parameters: Parameters) -> Duration {
    let ready = (try? parameters.duration("pod_ready_timeout")) ?? .seconds(600)
    let events = (try? parameters.duration("event_timeout")) ?? .seconds(300)
    return ready * 2 + events + .seconds(2400)
  }

  static let deletePods = RemoteCommand(
    "kubectl delete pods -l \(HAMiCatalog.partOfLabel) --ignore-not-found --wait=true --timeout=120s",
    timeout: .seconds(150))

  func check(_ ctx: StepContext) async throws -> Bool {
    let member = try ctx.output(of: ClusterNodesStep(agents: [])).member(route)
    if !member.gpu { ctx.satisfied("\(member.name) has no GPU: listed and skipped") }
    return !member.gpu
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let node = try ctx.output(of: ClusterNodesStep(agents: [])).member(route).name
    try await ctx.wait(
      for: "HAMi's registration of \(node) (hami.io/node-nvidia-register)",
      timeout: try ctx.parameters.duration("pod_ready_timeout")
    ) {
      HAMiRegistration(lines: try await ctx.run(HAMiInstallStep.annotation(node)).stdoutLines) != nil
    }
    let host = route.map { ctx.on($0) } ?? ctx
    try await host.capture(
      [RemoteCommand("nvidia-smi"), RemoteCommand("nvidia-smi -L"), HAMiPreflight.host.query],
      into: HAMiCatalog.file(HAMiCatalog.hostGPU, on: node))
    try await ctx.capture(
      [HAMiInstallStep.allocatable(node), HAMiInstallStep.annotation(node)],
      into: HAMiCatalog.file(HAMiCatalog.nodeAllocatable, on: node))
    let (sizes, gpu) = try await ExerciseSizesStep.sizes(ctx, node: node, perNode: true)
    try await CoResidencyStep(manifests: manifests).run(
      ctx, sliceMiB: sizes.sliceMiB, gpuUUID: gpu, node: node)
    for pod in HAMiCatalog.sharePods {
      try await ProbeMemoryStep(pod: pod).run(ctx, node: node)
    }
    try await OversubscribeStep(manifests: manifests).run(
      ctx, requestMiB: sizes.oversubscribeMiB, gpuUUID: gpu, node: node)
    try await MechanismStep().run(ctx, node: node)
    try await ctx.runChecked(Self.deletePods)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let node = ctx.placeholder("node-name-of-" + (route ?? "server"))
    let sizes = [HAMiInstallStep.annotation(node)]
    let host = [RemoteCommand("nvidia-smi"), RemoteCommand("nvidia-smi -L"), HAMiPreflight.host.query].map {
      var command = $0
      command.node = route
      return command
    }
    let slice = (try? ctx.parameters.int("slice_mib")) ?? 0
    let coResidency = try CoResidencyStep(manifests: manifests).create(
      ctx.parameters, sliceMiB: slice, gpuUUID: ctx.placeholder("gpu-uuid-of-" + (route ?? "server")),
      node: node)
    return sizes + host + [HAMiInstallStep.allocatable(node)] + coResidency
      + [CoResidencyStep.status(HAMiCatalog.sharePods), RemoteCommand("kubectl get pods -o wide")]
      + HAMiCatalog.sharePods.map(CoResidencyStep.allocation)
      + (try HAMiCatalog.sharePods.flatMap { try ProbeMemoryStep(pod: $0).plan(ctx) })
      + [
        try OversubscribeStep(manifests: manifests).create(
          ctx.parameters, requestMiB: (try? ctx.parameters.int("oversubscribe_mib")) ?? 0,
          gpuUUID: ctx.placeholder("gpu-uuid-of-" + (route ?? "server")), node: node),
        OversubscribeStep.phase, OversubscribeStep.reasons,
        RemoteCommand("kubectl get pod \(OversubscribeStep.pod) -o wide"),
        OversubscribeStep.eventsSection(OversubscribeStep.pod),
      ] + (try MechanismStep().plan(ctx)) + [Self.deletePods]
  }
}
