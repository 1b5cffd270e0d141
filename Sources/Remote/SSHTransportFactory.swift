import Foundation
import LabPipeline

/// Builds an ``SSHTransport`` from `--host` text and ssh_config, like `ssh` would.
public enum SSHTransportFactory {
  /// A parsed `--host`: `alias`, `user@host`, `host:port`, `user@[v6]:port`.
  public struct HostSpec: Sendable, Hashable {
    public var user: String?
    public var host: String
    public var port: Int?

    public init(parsing text: String) throws {
      var rest = Substring(text)
      if let at = rest.lastIndex(of: "@") {
        user = String(rest[..<at])
        rest = rest[rest.index(after: at)...]
        if user?.isEmpty == true { throw SSHError.invalidHostSpec(text) }
      }
      if rest.hasPrefix("[") {
        guard let close = rest.firstIndex(of: "]") else { throw SSHError.invalidHostSpec(text) }
        host = String(rest[rest.index(after: rest.startIndex)..<close])
        let after = rest[rest.index(after: close)...]
        if after.hasPrefix(":") {
          guard let value = Int(after.dropFirst()), (1...65535).contains(value) else {
            throw SSHError.invalidHostSpec(text)
          }
          port = value
        } else if !after.isEmpty {
          throw SSHError.invalidHostSpec(text)
        }
      } else if let colon = rest.firstIndex(of: ":"), rest.filter({ $0 == ":" }).count == 1 {
        host = String(rest[..<colon])
        guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else {
          throw SSHError.invalidHostSpec(text)
        }
        port = value
      } else {
        host = String(rest)
      }
      let forbidden = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "'\"`$;&|<>\\"))
      if host.isEmpty || host.hasPrefix("-") || host.unicodeScalars.contains(where: forbidden.contains)
        || (user?.unicodeScalars.contains(where: forbidden.contains) ?? false)
      {
        throw SSHError.invalidHostSpec(text)
      }
    }
  }

  /// Resolves `host` through ssh_config (`-F` or `~/.ssh/config`) into a destination, jump
  /// hosts and ProxyCommand included, the way `ssh` would (asking `ssh -G` when it is
  /// installed). Connects to nothing and looks no name up (`ping --resolve`, `plan`).
  /// - Throws: ``SSHError`` when the configuration cannot be read or honoured.
  public static func destination(host: String, options: ConnectionOptions) async throws
    -> SSHTransport.Destination
  {
    try await resolve(host: host, options: options, checkingName: false)
  }

  /// Resolves the destination and connects (host key check and authentication included).
  /// - Throws: ``SSHError/unknownHost(name:configFile:)`` before connecting when `host` is a
  ///   bare name that ssh_config does not map and DNS does not know.
  public static func open(host: String, options: ConnectionOptions) async throws -> SSHTransport {
    let transport = SSHTransport(
      destination: try await resolve(host: host, options: options, checkingName: true), options: options)
    try await transport.connect()
    return transport
  }

  private static func resolve(host: String, options: ConnectionOptions, checkingName: Bool) async throws
    -> SSHTransport.Destination
  {
    let spec = try HostSpec(parsing: host)
    let resolver = try await SSHHostResolver.make(options: options)
    var destination = try await resolver.destination(for: spec, name: host)
    if checkingName { try await resolver.checkResolvable(destination, spec: spec) }
    if let identity = options.identityFile {
      destination.identityFiles.insert(SSHTokens.expandTilde(identity, home: resolver.home), at: 0)
    }
    return destination
  }
}
