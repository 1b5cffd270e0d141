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
      if host.isEmpty || host.unicodeScalars.contains(where: forbidden.contains)
        || (user?.unicodeScalars.contains(where: forbidden.contains) ?? false)
      {
        throw SSHError.invalidHostSpec(text)
      }
    }
  }

  /// Resolves `host` through ssh_config (`-F` or `~/.ssh/config`) into a destination.
  public static func destination(host: String, options: ConnectionOptions) throws -> SSHTransport.Destination
  {
    let spec = try HostSpec(parsing: host)
    let home = options.environment["HOME"] ?? NSHomeDirectory()
    let configPath = options.sshConfigFile ?? home + "/.ssh/config"
    let config = try SSHConfig(contentsOf: configPath, home: home, required: options.sshConfigFile != nil)
    let localUser = options.environment["USER"] ?? options.environment["LOGNAME"] ?? NSUserName()
    let resolved = config.resolve(host: spec.host, localUser: localUser, home: home)
    var identities = resolved.identityFiles
    if let identity = options.identityFile {
      identities.insert(SSHConfig.expandTilde(identity, home: home), at: 0)
    }
    let destination = SSHTransport.Destination(
      name: host, hostName: resolved.hostName, port: spec.port ?? resolved.port ?? 22,
      user: spec.user ?? resolved.user ?? localUser, identityFiles: identities,
      identitiesOnly: resolved.identitiesOnly)
    if spec.user == nil, spec.port == nil, !config.hasHostBlock(matching: spec.host), !resolves(spec.host) {
      throw SSHError.unknownHost(name: spec.host, configFile: configPath)
    }
    return destination
  }

  /// Resolves the destination and connects (host key check and authentication included).
  public static func open(host: String, options: ConnectionOptions) async throws -> SSHTransport {
    let transport = SSHTransport(destination: try destination(host: host, options: options), options: options)
    try await transport.connect()
    return transport
  }

  static func resolves(_ name: String) -> Bool {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(name, nil, &hints, &list)
    if let list { freeaddrinfo(list) }
    return status == 0
  }
}
