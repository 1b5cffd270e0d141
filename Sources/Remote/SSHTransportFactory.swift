import LabPipeline

/// Opens an SSH transport for `alias` or `user@host[:port]`.
///
/// Placeholder until the SSH transport lands: the lead replaces this file.
public enum SSHTransportFactory {
  public static func open(host: String, options: ConnectionOptions) async throws -> any Transport {
    throw TargetError.sshUnavailable(host: host)
  }
}
