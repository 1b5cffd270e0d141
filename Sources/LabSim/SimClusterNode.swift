import Foundation

/// A node of the simulated cluster as its k3s server knows it: the server's own node, or an
/// agent that joined with the server's token, with the card and containerd runtime it had
/// when it registered.
public struct SimClusterNode: Sendable, Hashable, Codable {
  /// The node name (`K3S_NODE_NAME`, else the host name).
  public var name: String
  /// The address the node registered with (its INTERNAL-IP).
  public var address: String
  public var profile: SimProfile
  /// The host's directory (its own state.json): whether its k3s still runs decides Ready.
  public var directory: String
  public var k3sVersion: String
  /// The containerd default runtime the node's k3s wrote (`nvidia` or `runc`).
  public var defaultRuntime: String
  public var labels: [String: String] = [:]
  /// Annotations HAMi wrote (registration, handshake): they outlive its release.
  public var annotations: [String: String] = [:]
  /// `control-plane,master` for the server, nil for an agent.
  public var roles: String?
}
