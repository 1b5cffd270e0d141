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
    var rest = Substring(trimmed)
    var user: String?
    if let at = rest.lastIndex(of: "@") {
      user = String(rest[..<at])
      rest = rest[rest.index(after: at)...]
    }
    var port: Int?
    if let colon = rest.lastIndex(of: ":"), let number = Int(rest[rest.index(after: colon)...]) {
      port = number
      rest = rest[..<colon]
    }
    return TargetInfo(name: trimmed, kind: .ssh, address: String(rest), user: user, port: port)
  }
}

/// Why `--host` could not be opened.
public enum TargetError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `--host ""`.
  case emptyHost
  /// The simulated GPU host is not built into this labrun yet.
  case simulatorUnavailable(host: String)
  /// The SSH transport is not built into this labrun yet.
  case sshUnavailable(host: String)

  public var description: String {
    switch self {
    case .emptyHost:
      return "--host is empty; pass an ssh_config alias, user@host[:port], local, or sim[:PROFILE]"
    case .simulatorUnavailable(let host):
      return "--host \(host): the simulated GPU host is not available in this build yet; use --host local"
    case .sshUnavailable(let host):
      return
        "--host \(host): ssh transport not available yet in this build; use --host local on the GPU machine"
    }
  }

  public var errorDescription: String? { description }
}
