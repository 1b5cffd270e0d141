import Foundation
import LabPipeline

/// Why an agent could not join the k3s server.
public enum ClusterJoinError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// A port the cluster needs did not answer from where it must (a firewall, a security group).
  case portBlocked(from: String, to: String, port: String, detail: String)
  /// The server refused the agent's token (`401 Unauthorized`).
  case tokenRefused(node: String, journal: String)
  /// The token was minted by another cluster (its CA hash differs).
  case tokenOfAnotherCluster(node: String, journal: String)
  /// The node name is already taken in the cluster.
  case duplicateNodeName(node: String, name: String, journal: String)
  /// The agent's k3s could not reach the server at all.
  case serverUnreachable(node: String, journal: String)

  /// The flannel and kubelet ports every cluster needs, said with every port error.
  static let ports =
    "k3s needs 6443/tcp on the server from every agent, 10250/tcp on every node from the server, "
    + "and 8472/udp between all nodes (flannel's VXLAN)"

  public var description: String {
    switch self {
    case .portBlocked(let from, let to, let port, let detail):
      return "from \(from), \(to) does not answer (\(detail)): a firewall or security group blocks \(port); "
        + "open it and run the same command again (\(Self.ports))"
    case .tokenRefused(let node, let journal):
      return
        "the k3s server refused \(node)'s join token (401 Unauthorized): the server's token changed since "
        + "labrun read it (k3s token rotate?); run the same command again to read it afresh. Agent log:\n"
        + journal
    case .tokenOfAnotherCluster(let node, let journal):
      return
        "\(node) was handed a token of another cluster (its CA hash differs from the server's): run the same "
        + "command again to read the server's token afresh. Agent log:\n" + journal
    case .duplicateNodeName(let node, let name, let journal):
      return
        "the cluster already has a node named \(name): \(node) was refused (duplicate hostname); give the "
        + "machine another hostname, or remove the stale node with `kubectl delete node \(name)`. Agent log:\n"
        + journal
    case .serverUnreachable(let node, let journal):
      return "\(node)'s k3s agent cannot reach the server: \(Self.ports). Agent log:\n" + journal
    }
  }

  public var errorDescription: String? { description }

  /// What the agent's journal says went wrong, or nil while nothing has.
  static func cause(node: String, name: String, journal: String) -> ClusterJoinError? {
    if journal.contains("401 Unauthorized") { return .tokenRefused(node: node, journal: journal) }
    if journal.contains("token CA hash does not match") {
      return .tokenOfAnotherCluster(node: node, journal: journal)
    }
    if journal.contains("duplicate hostname") {
      return .duplicateNodeName(node: node, name: name, journal: journal)
    }
    return nil
  }
}

extension ClusterJoinError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.stepFailed }
}
