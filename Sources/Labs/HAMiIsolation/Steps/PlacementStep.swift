import Foundation
import LabPipeline

/// Exercise 8, across nodes: under each node policy (`hami.io/node-scheduler-policy` on the pod:
/// binpack, then spread) two share pods free to go to any GPU node, one after the other, each
/// Ready before the next; the capture shows each node's load when the second was placed (every GPU
/// node's registration, every pod's allocation: what HAMi's node score ranks by), where the API put
/// them and, as HAMi's scheduler read it, each pod's scheduler and policy annotation. Each pair is deleted before the next, so spread
/// starts from the same empty cluster as binpack. Needs two GPU nodes.
struct PlacementStep: Step {
  let manifests: HAMiManifests

  var id: String { "placement" }
  var title: String { "Exercise 8: node policy binpack puts two pods on one node, spread on two" }
  func timeout(_ parameters: Parameters) -> Duration {
    ((try? parameters.duration("pod_ready_timeout")) ?? .seconds(600)) * 4 + .seconds(600)
  }

  /// Each pod's scheduler, node and node policy as the API server holds them.
  static func witness(_ pod: String) -> RemoteCommand {
    RemoteCommand(
      "kubectl get pod \(ShellQuote.quote(pod)) -o jsonpath='{.metadata.name}{\" \"}{.spec.schedulerName}{\" \"}"
        + "{.spec.nodeName}{\" \"}{.metadata.annotations.hami\\.io/node-scheduler-policy}{\"\\n\"}'")
  }

  /// Each GPU node's registration and every pod's allocation: the load HAMi's node score reads
  /// (``HAMiNodeLoad``).
  static func load(_ nodes: [String]) -> [RemoteCommand] {
    nodes.map(HAMiInstallStep.annotation) + [ClusterBudgetStep.allocations]
  }

  static func delete(_ pods: [String]) -> RemoteCommand {
    RemoteCommand(
      "kubectl delete pod \(ShellQuote.join(pods)) --ignore-not-found --wait=true --timeout=120s",
      timeout: .seconds(150))
  }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let gpuNodes = try ctx.output(of: ClusterNodesStep(agents: [])).gpuNodes
    guard gpuNodes.count >= 2 else {
      ctx.note("placement needs two GPU nodes; this cluster has \(gpuNodes.count): exercise 8 is not run")
      return NoOutput()
    }
    var smallest = Int.max
    for node in gpuNodes {
      let annotation = try await ctx.runChecked(HAMiInstallStep.annotation(node.name))
      smallest = min(smallest, HAMiRegistration(lines: annotation.stdoutLines)?.devices.first?.devmem ?? 0)
    }
    let size = max(500, HAMiSizes.largestSliceMiB(devmemMiB: smallest))
    try await ctx.recordParameter("placement_mib", .int(size))
    try await ctx.runChecked(NodeExercisesStep.deletePods)
    for policy in HAMiCatalog.placementPolicies {
      let pods = HAMiCatalog.placementPods(policy: policy)
      let file = HAMiCatalog.placement(policy: policy)
      // One at a time: the scheduler places the second knowing where the first went. What it
      // knew is captured first: every node's load (other teams' pods too) ranks the nodes.
      for (index, (pod, command)) in zip(pods, try create(ctx.parameters, policy: policy, sizeMiB: size))
        .enumerated()
      {
        if index > 0 { try await ctx.capture(Self.load(gpuNodes.map(\.name)), into: file) }
        try await ctx.runChecked(command)
        try await CoResidencyStep.waitReady([pod], ctx)
      }
      try await ctx.capture([RemoteCommand("kubectl get pods -o wide")] + pods.map(Self.witness), into: file)
      try await ctx.runChecked(Self.delete(pods))
    }
    return NoOutput()
  }

  /// The two pods of `policy`, neither pinned to a node or a GPU.
  func create(_ parameters: Parameters, policy: String, sizeMiB: Int) throws -> [RemoteCommand] {
    let image = try parameters.string("probe_image")
    return try HAMiCatalog.placementPods(policy: policy).map { pod in
      RemoteCommand(
        "kubectl apply -f -",
        stdin: Array(
          try manifests.clusterPod(
            name: pod, image: image, gpumemMiB: sizeMiB, gpuUUID: nil, node: nil, policy: policy
          ).utf8))
    }
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    var commands = [
      HAMiInstallStep.annotation(ctx.placeholder("each-gpu-node")), NodeExercisesStep.deletePods,
    ]
    for policy in HAMiCatalog.placementPolicies {
      let pods = HAMiCatalog.placementPods(policy: policy)
      let created = try create(
        ctx.parameters, policy: policy, sizeMiB: (try? ctx.parameters.int("slice_mib")) ?? 0)
      commands += [created[0], CoResidencyStep.status([pods[0]])]
      commands +=
        Self.load([ctx.placeholder("each-gpu-node")]) + [created[1], CoResidencyStep.status([pods[1]])]
      commands += [RemoteCommand("kubectl get pods -o wide")]
      commands += pods.map(Self.witness) + [Self.delete(pods)]
    }
    return commands
  }
}
