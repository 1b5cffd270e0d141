import Foundation

/// run.json's `target.cluster`: which existing Kubernetes cluster a run used (`--kubeconfig FILE
/// [--context NAME]`), recorded without a credential, a certificate or the server's URL itself.
public struct ExistingClusterIdentity: Sendable, Hashable, Codable {
  /// The kubeconfig context the run used.
  public var context: String
  /// SHA-256 (hex) of the context's server URL: the same cluster is recognised, its address is
  /// not written down.
  public var serverSHA256: String

  public init(context: String, serverSHA256: String) {
    self.context = context
    self.serverSHA256 = serverSHA256
  }

  enum CodingKeys: String, CodingKey {
    case context
    case serverSHA256 = "server_sha256"
  }
}

extension ExistingClusterIdentity {
  /// labrun's own namespace on an existing cluster: every object it creates there is in it, and
  /// `down` removes it (and nothing else).
  public static let namespace = "labrun"
}
