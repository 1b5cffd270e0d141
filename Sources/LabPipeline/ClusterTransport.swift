import Foundation

/// One run's transport across a cluster's nodes: commands go to the server unless they name a
/// node (``RemoteCommand/node``), then to that node's own transport. Each node keeps its own
/// connection (its own ssh session, host key check and authentication).
public struct ClusterTransport: Transport {
  public let server: any Transport
  /// The agents, by the name the user gave them (`--node`), in that order.
  public let agents: [(name: String, transport: any Transport)]

  public init(server: any Transport, agents: [(name: String, transport: any Transport)]) {
    self.server = server
    self.agents = agents
  }

  /// The server's target, with every agent's as it was reached in `nodes`.
  public var target: TargetInfo {
    get async {
      var info = await server.target
      var nodes: [TargetInfo] = []
      for agent in agents { nodes.append(await agent.transport.target) }
      info.nodes = nodes
      return info
    }
  }

  private func transport(for node: String?) throws -> any Transport {
    guard let node else { return server }
    guard let agent = agents.first(where: { $0.name == node }) else {
      throw ClusterTransportError.unknownNode(node, known: agents.map(\.name))
    }
    return agent.transport
  }

  public func run(_ command: RemoteCommand) async throws -> CommandOutput {
    try await transport(for: command.node).run(command)
  }

  public func upload(_ localFile: URL, to remotePath: String) async throws {
    try await server.upload(localFile, to: remotePath)
  }

  public func download(_ remotePath: String, to localFile: URL) async throws {
    try await server.download(remotePath, to: localFile)
  }

  public func close() async {
    for agent in agents { await agent.transport.close() }
    await server.close()
  }
}

/// Why a cluster command could not be routed.
public enum ClusterTransportError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// A command names a node the run does not have.
  case unknownNode(String, known: [String])

  public var description: String {
    switch self {
    case .unknownNode(let node, let known):
      return
        "no cluster node \(node) in this run (its nodes: \(known.isEmpty ? "none" : known.joined(separator: ", "))); "
        + "pass it with --node"
    }
  }

  public var errorDescription: String? { description }
}

extension ClusterTransportError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.usage }
}
