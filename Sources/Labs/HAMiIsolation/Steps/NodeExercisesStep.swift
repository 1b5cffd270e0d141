import Foundation
import LabPipeline

/// Exercises 1–5 on the GPU nodes of a cluster, as on one host but pinned to each node
/// (`nodeSelector: kubernetes.io/hostname` and the node's own GPU): its registration, its card,
/// sizes from its own devmem, the share pods, the probes, the oversubscribe pod and the
/// mechanism, each file as `NAME@NODE.txt` and started afresh (a node's exercises run again
/// after a failure half way leave one copy of its evidence); the node's pods are deleted before
/// and after, so the next node (and exercises 8 and 9) start from an empty cluster. A node
/// without a GPU is listed and skipped, not failed.
///
/// On a cluster labrun provisioned the step is one node's (`node-exercises@gpu-2`), and the
/// node's card is also read on the machine (`nvidia-smi`). On an existing cluster the nodes are
/// known only once the cluster is read (``ClusterNodesStep``), so one step runs every GPU node
/// HAMi registered in turn, through the API only: the card is HAMi's registration.
struct NodeExercisesStep: Step {
  /// Which nodes the step exercises.
  enum Scope: Sendable, Hashable {
    /// One node of a cluster labrun provisioned: the agent as `--node` named it, nil for the
    /// server's own node.
    case node(route: String?)
    /// Every GPU node HAMi registered on an existing cluster, one after the other.
    case registeredNodes
  }

  let scope: Scope
  let manifests: HAMiManifests

  init(route: String?, manifests: HAMiManifests) {
    self.init(scope: .node(route: route), manifests: manifests)
  }

  init(scope: Scope, manifests: HAMiManifests) {
    self.scope = scope
    self.manifests = manifests
  }

  var id: String {
    guard case .node(let route?) = scope else { return "node-exercises" }
    return "node-exercises@" + route
  }
  var title: String {
    switch scope {
    case .node(let route): return "Exercises 1-5 pinned to the node of \(route ?? "the server")"
    case .registeredNodes: return "Exercises 1-5 pinned to each GPU node HAMi registered"
    }
  }
  func timeout(_ parameters: Parameters) -> Duration {
    let ready = (try? parameters.duration("pod_ready_timeout")) ?? .seconds(600)
    let events = (try? parameters.duration("event_timeout")) ?? .seconds(300)
    let one = ready * 2 + events + .seconds(2400)
    guard case .registeredNodes = scope else { return one }
    // One node's bound for each GPU node ClusterNodesStep recorded before this step.
    return one * max(1, parameters["cluster_gpu_nodes"]?.names?.count ?? 1)
  }

  static let deletePods = RemoteCommand(
    "kubectl delete pods -l \(HAMiCatalog.partOfLabel) --ignore-not-found --wait=true --timeout=120s",
    timeout: .seconds(150))

  func check(_ ctx: StepContext) async throws -> Bool {
    guard case .node(let route) = scope else { return false }
    let member = try ctx.output(of: ClusterNodesStep(agents: [])).member(route)
    if !member.gpu { ctx.satisfied("\(member.name) has no GPU: listed and skipped") }
    return !member.gpu
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let nodes = try ctx.output(of: ClusterNodesStep(agents: []))
    switch scope {
    case .node(let route):
      try await exercise(ctx, node: try nodes.member(route).name, machine: route.map { ctx.on($0) } ?? ctx)
    case .registeredNodes:
      for member in nodes.members where !member.gpu {
        ctx.note("\(member.name) has no GPU HAMi registered: listed and skipped")
      }
      for member in nodes.gpuNodes {
        try await exercise(ctx, node: member.name, machine: nil)
      }
    }
    return NoOutput()
  }

  /// Exercises 1–5 on node `node`; `machine` reaches the node's own shell, nil on an existing cluster.
  func exercise(_ ctx: StepContext, node: String, machine: StepContext?) async throws {
    try await ctx.runChecked(Self.deletePods)
    try await ctx.wait(
      for: "HAMi's registration of \(node) (hami.io/node-nvidia-register)",
      timeout: try ctx.parameters.duration("pod_ready_timeout")
    ) {
      HAMiRegistration(lines: try await ctx.run(HAMiInstallStep.annotation(node)).stdoutLines) != nil
    }
    let hostGPU = HAMiCatalog.file(HAMiCatalog.hostGPU, on: node)
    let allocatable = HAMiCatalog.file(HAMiCatalog.nodeAllocatable, on: node)
    if let machine { try await machine.capture(Self.cardCommands(route: nil), into: hostGPU) }
    try await ctx.capture(
      [HAMiInstallStep.allocatable(node), HAMiInstallStep.annotation(node)], into: allocatable)
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
  }

  /// The node's card as its own machine shows it (``HAMiCatalog/hostGPU``).
  static func cardCommands(route: String?) -> [RemoteCommand] {
    [RemoteCommand("nvidia-smi"), RemoteCommand("nvidia-smi -L"), HAMiPreflight.host.query].map {
      var command = $0
      command.node = route
      return command
    }
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let (label, host): (String, [RemoteCommand]) = {
      switch scope {
      case .node(let route): return (route ?? "server", Self.cardCommands(route: route))
      case .registeredNodes: return ("each-gpu-node", [])
      }
    }()
    let node = ctx.placeholder("node-name-of-" + label)
    let gpu = ctx.placeholder("gpu-uuid-of-" + label)
    let slice = (try? ctx.parameters.int("slice_mib")) ?? 0
    let coResidency = try CoResidencyStep(manifests: manifests).create(
      ctx.parameters, sliceMiB: slice, gpuUUID: gpu, node: node)
    return [Self.deletePods, HAMiInstallStep.annotation(node)] + host + [HAMiInstallStep.allocatable(node)]
      + coResidency
      + [CoResidencyStep.status(HAMiCatalog.sharePods), RemoteCommand("kubectl get pods -o wide")]
      + HAMiCatalog.sharePods.map(CoResidencyStep.allocation)
      + (try HAMiCatalog.sharePods.flatMap { try ProbeMemoryStep(pod: $0).plan(ctx) })
      + [
        try OversubscribeStep(manifests: manifests).create(
          ctx.parameters, requestMiB: (try? ctx.parameters.int("oversubscribe_mib")) ?? 0, gpuUUID: gpu,
          node: node),
        OversubscribeStep.phase, OversubscribeStep.reasons,
        RemoteCommand("kubectl get pod \(OversubscribeStep.pod) -o wide"),
        OversubscribeStep.eventsSection(OversubscribeStep.pod),
      ] + (try MechanismStep().plan(ctx)) + [Self.deletePods]
  }
}
