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
  /// installed). Connects to nothing.
  /// - Throws: ``SSHError`` when the host is unknown or its configuration cannot be honoured.
  public static func destination(host: String, options: ConnectionOptions) async throws
    -> SSHTransport.Destination
  {
    let spec = try HostSpec(parsing: host)
    let resolver = try await SSHHostResolver.make(options: options)
    var destination = try await resolver.destination(for: spec, name: host)
    if let identity = options.identityFile {
      destination.identityFiles.insert(SSHTokens.expandTilde(identity, home: resolver.home), at: 0)
    }
    return destination
  }

  /// Resolves the destination and connects (host key check and authentication included).
  public static func open(host: String, options: ConnectionOptions) async throws -> SSHTransport {
    let transport = SSHTransport(
      destination: try await destination(host: host, options: options), options: options)
    try await transport.connect()
    return transport
  }
}
