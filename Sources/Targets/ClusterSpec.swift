import Foundation
import LabPipeline
import Remote

/// `--host SERVER --node AGENT …`, parsed once: one k3s cluster whose server is the host and
/// whose agents are the nodes. Every node is a target of its own (`TargetSpec`: an ssh alias,
/// `user@host[:port]`, or `sim[:PROFILE]/NAME`); ``open(options:scenario:labrun:)`` connects to
/// each and routes commands through one ``ClusterTransport``.
public struct ClusterSpec: Sendable, Hashable {
  public let server: TargetSpec
  public let agents: [TargetSpec]

  /// - Throws: ``ClusterTargetError`` for a node named twice, the server named as a node, or
  ///   simulated and real machines mixed; whatever ``TargetSpec/init(parsing:)`` throws.
  public init(server host: String, nodes: [String]) throws {
    server = try TargetSpec(parsing: host)
    var agents: [TargetSpec] = []
    for node in nodes {
      let spec = try TargetSpec(parsing: node)
      if spec.name == server.name || (spec.machine != nil && spec.machineKey == server.machineKey) {
        throw ClusterTargetError.serverAsNode(node)
      }
      if agents.contains(where: {
        $0.name == spec.name || ($0.machine != nil && $0.machineKey == spec.machineKey)
      }) {
        throw ClusterTargetError.duplicateNode(node)
      }
      if spec.isSimulated != server.isSimulated {
        throw ClusterTargetError.mixedKinds(server: server.name, node: node)
      }
      if case .local = spec.kind { throw ClusterTargetError.localNode }
      agents.append(spec)
    }
    self.agents = agents
  }

  /// Opens the server, then each agent; what was opened is closed again when one fails.
  public func open(
    options: ConnectionOptions, scenario: String? = nil, labrun: URL? = Bundle.main.executableURL
  ) async throws -> ClusterTransport {
    let serverTransport = try await server.open(options: options, scenario: scenario, labrun: labrun)
    var opened: [(name: String, transport: any Transport)] = []
    do {
      for agent in agents {
        opened.append(
          (agent.name, try await agent.open(options: options, scenario: scenario, labrun: labrun)))
      }
    } catch {
      for node in opened { await node.transport.close() }
      await serverTransport.close()
      throw error
    }
    return ClusterTransport(server: serverTransport, agents: opened)
  }
}

extension TargetSpec {
  var isSimulated: Bool {
    if case .simulated = kind { return true }
    return false
  }

  /// What makes two simulated targets one machine: the card and the machine's name.
  var machineKey: String? {
    guard case .simulated(let profile, _) = kind, let machine else { return nil }
    return profile.id + "/" + machine
  }
}

/// Why `--host` with `--node` cannot be one cluster.
public enum ClusterTargetError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The same machine twice among the nodes.
  case duplicateNode(String)
  /// A node that is the server itself.
  case serverAsNode(String)
  /// A simulated server with a real agent or the other way round.
  case mixedKinds(server: String, node: String)
  /// `--node local`.
  case localNode
  /// `--node` with several `--host`s (a fleet).
  case nodesWithFleet

  public var description: String {
    switch self {
    case .duplicateNode(let node):
      return "--node \(node) is named twice; each node of the cluster is one machine"
    case .serverAsNode(let node):
      return "--node \(node) is the server (--host) itself; --node names the agents that join it"
    case .mixedKinds(let server, let node):
      return
        "--host \(server) and --node \(node): a simulated machine and a real one cannot form one cluster; "
        + "use sim[:PROFILE]/NAME for every node, or real hosts for every node"
    case .localNode:
      return "--node local: an agent is another machine; name it by its ssh alias or user@host"
    case .nodesWithFleet:
      return "--node joins the agents to one server: give one --host with it "
        + "(a fleet of clusters is not built)"
    }
  }

  public var errorDescription: String? { description }
}

extension ClusterTargetError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.usage }
}
