import Foundation
import LabPipeline

/// The first step of a cluster's exercises: every node of the run (the server's, then each
/// `--node`'s) by its name in the cluster, and whether it has a GPU (`nvidia-smi` on it); on an
/// existing cluster (no shell on its nodes) every node the API lists, a GPU node being one HAMi's
/// device plugin registered (`hami.io/node-nvidia-register`). run.json records the GPU nodes
/// (`cluster_gpu_nodes`: each is judged on its own, exercises 1–5) and the others
/// (`cluster_cpu_nodes`: listed and skipped, not failed); the cluster's node list is captured for
/// the page.
struct ClusterNodesStep: Step {
  /// One node of the cluster.
  struct Member: Codable, Sendable, Hashable {
    /// The agent as `--node` named it; nil for the server, and for every node of an existing
    /// cluster (reached through the API only).
    var route: String?
    /// The node's name in the cluster (what `kubernetes.io/hostname` selects).
    var name: String
    var gpu: Bool
  }

  struct Output: Codable, Sendable, Hashable {
    var members: [Member]

    var gpuNodes: [Member] { members.filter(\.gpu) }

    /// The member `route` names (nil: the server).
    func member(_ route: String?) throws -> Member {
      guard let member = members.first(where: { $0.route == route }) else {
        throw StepError.unexpected(
          "\(route ?? "the server") is not a node of this run's cluster; start afresh with `labrun up --new-run`"
        )
      }
      return member
    }
  }

  /// The agents, as `--node` named them; nil on an existing cluster.
  let agents: [String]?

  var id: String { "cluster-nodes" }
  var title: String { "List the cluster's nodes and which have a GPU" }
  var changesTarget: Bool { false }

  static let nodes = RemoteCommand("kubectl get nodes -o wide")

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> Output {
    let members: [Member]
    if let agents {
      members = try await Self.provisioned(ctx, agents: agents)
    } else {
      members = try await Self.registered(ctx)
    }
    try await ctx.capture([Self.nodes], into: HAMiCatalog.clusterNodes)
    let gpu = members.filter(\.gpu).map(\.name)
    let cpu = members.filter { !$0.gpu }.map(\.name)
    try await ctx.recordParameter("cluster_gpu_nodes", .array(gpu.map(RecordedValue.string)))
    try await ctx.recordParameter("cluster_cpu_nodes", .array(cpu.map(RecordedValue.string)))
    let skipped =
      agents == nil ? "not registered by HAMi (listed, skipped)" : "without a GPU (listed, skipped)"
    ctx.note(
      "GPU nodes: \(gpu.joined(separator: ", "))"
        + (cpu.isEmpty ? "" : "; \(skipped): \(cpu.joined(separator: ", "))"))
    return Output(members: members)
  }

  /// The server's node and each agent's, with `nvidia-smi` on each machine.
  static func provisioned(_ ctx: StepContext, agents: [String]) async throws -> [Member] {
    var members = [
      Member(
        route: nil, name: try ctx.output(of: NodeReadyStep()).node,
        gpu: try await ctx.hasCommand("nvidia-smi"))
    ]
    for agent in agents {
      members.append(
        Member(
          route: agent, name: try ctx.output(of: JoinAgentStep(node: agent)).nodeName,
          gpu: try await ctx.on(agent).hasCommand("nvidia-smi")))
    }
    return members
  }

  /// Every node of an existing cluster, in the API's order; a GPU node is one HAMi registered.
  /// - Throws: ``ExistingClusterError/noRegisteredGPUNode(nodes:)`` when HAMi registered none.
  static func registered(_ ctx: StepContext) async throws -> [Member] {
    let names = try await ctx.runChecked(ExistingClusterStep.nodeNames).trimmedStdout.split(separator: " ")
      .map(String.init)
    let registered = Set(
      ExistingClusterStep.registeredCards(
        in: try await ctx.runChecked(ExistingClusterStep.registrations).stdoutLines
      )
      .map(\.node))
    guard !registered.isEmpty else { throw ExistingClusterError.noRegisteredGPUNode(nodes: names) }
    return names.map { Member(route: nil, name: $0, gpu: registered.contains($0)) }
  }

  func observe(_ ctx: StepContext) async throws -> Output { try await apply(ctx) }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    guard let agents else {
      return [ExistingClusterStep.nodeNames, ExistingClusterStep.registrations, Self.nodes]
    }
    return [RemoteCommand("command -v nvidia-smi >/dev/null 2>&1")]
      + agents.map { RemoteCommand("command -v nvidia-smi >/dev/null 2>&1", node: $0) } + [Self.nodes]
  }
}
