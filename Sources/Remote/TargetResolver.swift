import Foundation
import LabPipeline

/// Turns `--host` into a transport: `local`, `sim[:PROFILE]`, or an ssh target
/// (an ssh_config alias or `user@host[:port]`).
public enum TargetResolver {
  public static func open(host: String, options: ConnectionOptions) async throws -> any Transport {
    let trimmed = host.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw TargetError.emptyHost }
    if trimmed == "local" { return LocalTransport() }
    if trimmed == "sim" || trimmed.hasPrefix("sim:") { throw TargetError.simulatorUnavailable(host: trimmed) }
    return try await SSHTransportFactory.open(host: trimmed, options: options)
  }
}

extension TargetResolver {
  /// What `host` names, without connecting: for `labrun plan`, which must not touch the target.
  public static func describe(host: String) throws -> TargetInfo {
    let trimmed = host.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw TargetError.emptyHost }
    if trimmed == "local" { return TargetInfo(name: trimmed, kind: .local) }
    if trimmed == "sim" || trimmed.hasPrefix("sim:") { return TargetInfo(name: trimmed, kind: .simulated) }
    let spec = try SSHTransportFactory.HostSpec(parsing: trimmed)
    return TargetInfo(name: trimmed, kind: .ssh, address: spec.host, user: spec.user, port: spec.port)
  }
}

/// Why `--host` could not be opened.
public enum TargetError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `--host ""`.
  case emptyHost
  /// The simulated GPU host is not built into this labrun yet.
  case simulatorUnavailable(host: String)

  public var description: String {
    switch self {
    case .emptyHost:
      return "--host is empty; pass an ssh_config alias, user@host[:port], local, or sim[:PROFILE]"
    case .simulatorUnavailable(let host):
      return "--host \(host): the simulated GPU host is not available in this build yet; use --host local"
    }
  }

  public var errorDescription: String? { description }
}
