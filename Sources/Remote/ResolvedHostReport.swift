import Foundation

/// `labrun ping --resolve` and `labrun plan`: what labrun will use to reach a host, as text or
/// JSON (`hostname`, `user`, `port`, `identity_files`, `known_hosts_files`, `proxy_jump`,
/// `proxy_command`, and a few more).
public struct ResolvedHostReport: Encodable, Sendable, Hashable {
  /// One jump host, in connection order.
  public struct Hop: Encodable, Sendable, Hashable {
    public var name: String
    public var hostname: String
    public var user: String
    public var port: Int
    public var identityFiles: [String]
    public var knownHostsFiles: [String]
    public var proxyCommand: String?

    enum CodingKeys: String, CodingKey {
      case name, hostname, user, port
      case identityFiles = "identity_files"
      case knownHostsFiles = "known_hosts_files"
      case proxyCommand = "proxy_command"
    }

    public func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(name, forKey: .name)
      try container.encode(hostname, forKey: .hostname)
      try container.encode(user, forKey: .user)
      try container.encode(port, forKey: .port)
      try container.encode(identityFiles, forKey: .identityFiles)
      try container.encode(knownHostsFiles, forKey: .knownHostsFiles)
      try container.encode(proxyCommand, forKey: .proxyCommand)
    }
  }

  public var hop: Hop
  public var identitiesOnly: Bool
  public var identityAgent: String?
  public var hostKeyAlias: String?
  public var connectTimeout: Int?
  public var serverAliveInterval: Int
  public var proxyJump: [Hop]
  public var resolvedBy: String

  /// `labrunKnownHosts` is labrun's own known_hosts file, checked before the user's.
  public init(_ destination: SSHTransport.Destination, labrunKnownHosts: String, home: String) {
    func hop(_ host: SSHTransport.Destination) -> Hop {
      Hop(
        name: host.name, hostname: host.hostName, user: host.user, port: host.port,
        identityFiles: host.keyFiles(home: home), knownHostsFiles: [labrunKnownHosts] + host.knownHostsFiles,
        proxyCommand: host.proxyCommand)
    }
    self.hop = hop(destination)
    identitiesOnly = destination.identitiesOnly
    identityAgent = destination.agentSocket
    hostKeyAlias = destination.hostKeyAlias
    connectTimeout = destination.connectTimeout
    serverAliveInterval = destination.keepaliveInterval
    proxyJump = destination.jumpHosts.map(hop)
    resolvedBy = destination.resolvedBy
  }

  enum CodingKeys: String, CodingKey {
    case proxyJump = "proxy_jump"
    case identitiesOnly = "identities_only"
    case identityAgent = "identity_agent"
    case hostKeyAlias = "host_key_alias"
    case connectTimeout = "connect_timeout"
    case serverAliveInterval = "server_alive_interval"
    case resolvedBy = "resolved_by"
  }

  /// The target's own keys as a hop has them, then what only the target has.
  public func encode(to encoder: any Encoder) throws {
    try hop.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(proxyJump, forKey: .proxyJump)
    try container.encode(identitiesOnly, forKey: .identitiesOnly)
    try container.encode(identityAgent, forKey: .identityAgent)
    try container.encode(hostKeyAlias, forKey: .hostKeyAlias)
    try container.encode(connectTimeout, forKey: .connectTimeout)
    try container.encode(serverAliveInterval, forKey: .serverAliveInterval)
    try container.encode(resolvedBy, forKey: .resolvedBy)
  }

  /// Aligned `label  value` lines.
  public var text: String {
    var rows: [(String, String)] = [
      ("host", hop.name), ("hostname", hop.hostname), ("user", hop.user), ("port", String(hop.port)),
      ("identity files", hop.identityFiles.joined(separator: ", ")),
      ("identities only", identitiesOnly ? "yes" : "no"),
      ("identity agent", identityAgent ?? "none"),
      ("known_hosts", hop.knownHostsFiles.joined(separator: ", ")),
    ]
    if let hostKeyAlias { rows.append(("host key alias", hostKeyAlias)) }
    for jump in proxyJump {
      var line = "\(jump.name) (\(jump.user)@\(jump.hostname):\(jump.port))"
      if let command = jump.proxyCommand { line += " via ProxyCommand \(command)" }
      rows.append(("proxy jump", line))
    }
    if proxyJump.isEmpty { rows.append(("proxy jump", "none")) }
    rows.append(("proxy command", hop.proxyCommand ?? "none"))
    rows.append(("connect timeout", connectTimeout.map { "\($0)s" } ?? "default"))
    rows.append(("keepalive", "every \(serverAliveInterval)s when idle"))
    rows.append(("resolved by", resolvedBy))
    return rows.map { $0.0.padding(toLength: 17, withPad: " ", startingAt: 0) + $0.1 + "\n" }.joined()
  }
}
