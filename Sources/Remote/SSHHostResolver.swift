import Foundation
import LabPipeline

#if canImport(Glibc)
  import Glibc
#endif

/// Turns `--host` into a connection plan that agrees with OpenSSH: the configuration comes from
/// `ssh -G` when `ssh` is installed, else from labrun's own parser; then ProxyJump chains are
/// resolved hop by hop through the same configuration (as `ssh -J` would), tokens expanded, and
/// any option that would make labrun connect differently from ssh is refused, naming it.
struct SSHHostResolver: Sendable {
  enum Source: Sendable {
    case openSSH(OpenSSHConfigResolver)
    case builtin(SSHConfig)
  }

  let source: Source
  let home: String
  let localUser: String
  let environment: [String: String]

  /// Jump chains longer than this are taken for a loop.
  static let maximumHops = 8

  /// Picks the resolver: `ssh -G` when an `ssh` is found (``ConnectionOptions/openSSH``), else
  /// labrun's parser over the same files.
  static func make(options: ConnectionOptions) async throws -> SSHHostResolver {
    let home = options.environment["HOME"] ?? NSHomeDirectory()
    let localUser = options.environment["USER"] ?? options.environment["LOGNAME"] ?? NSUserName()
    if let file = options.sshConfigFile, file.lowercased() != "none",
      !FileManager.default.fileExists(atPath: file)
    {
      throw SSHError.configUnreadable(path: file, detail: "no such file")
    }
    if let ssh = options.openSSH {
      // ssh reads ~/.ssh/config from the passwd entry's home; labrun's `~` is $HOME. Where
      // they differ (a test's throwaway HOME), point ssh at $HOME's file explicitly.
      var file = options.sshConfigFile
      if file == nil, home != Self.passwdHome {
        let user = home + "/.ssh/config"
        file = FileManager.default.fileExists(atPath: user) ? user : "none"
      }
      return SSHHostResolver(
        source: .openSSH(OpenSSHConfigResolver(executable: ssh, configFile: file)), home: home,
        localUser: localUser, environment: options.environment)
    }
    let config = try await BlockingWork.run { try SSHConfig(configFile: options.sshConfigFile, home: home) }
    return SSHHostResolver(
      source: .builtin(config), home: home, localUser: localUser, environment: options.environment)
  }

  /// `ssh -G` or labrun's parser, for messages.
  var name: String {
    switch source {
    case .openSSH: return "ssh -G"
    case .builtin: return "labrun's ssh_config parser"
    }
  }

  /// The plan for `spec` (`--host`), jump hosts included. `name` is what the user typed.
  ///
  /// Looks nothing up: a host that ssh_config names without a HostName is its own host name
  /// (as `ssh -G` says), whether or not DNS knows it yet. What `ssh -G` itself does for a
  /// user's `Match exec` or `CanonicalizeHostname` is ssh's own.
  func destination(for spec: SSHTransportFactory.HostSpec, name: String) async throws
    -> SSHTransport.Destination
  {
    try await plan(SSHJumpHop(user: spec.user, host: spec.host, port: spec.port), name: name)
  }

  /// Before connecting: a bare name that no configuration turned into an address and that
  /// does not resolve is most likely a typo or a missing Host block; say so instead of the
  /// resolver's "Name or service not known".
  func checkResolvable(_ destination: SSHTransport.Destination, spec: SSHTransportFactory.HostSpec)
    async throws
  {
    guard spec.user == nil, spec.port == nil, destination.jumpHosts.isEmpty, destination.proxyCommand == nil,
      destination.hostName.lowercased() == spec.host.lowercased()
    else { return }
    let resolvable = await BlockingWork.run { Self.resolves(destination.hostName) }
    if !resolvable {
      throw SSHError.unknownHost(name: spec.host, configFile: configDescription)
    }
  }

  private var configDescription: String {
    switch source {
    case .openSSH(let resolver): return resolver.configFile ?? "~/.ssh/config"
    case .builtin(let config): return config.files.first?.path ?? "~/.ssh/config"
    }
  }

  /// One host and the route to it. `forcedJumps` is a ProxyJump list given from outside (the
  /// hops before this one in a chain), which overrides the host's own ProxyJump/ProxyCommand,
  /// as ssh's `-J` does.
  func plan(_ hop: SSHJumpHop, name: String, forcedJumps: [SSHJumpHop]? = nil, trail: [String] = [])
    async throws
    -> SSHTransport.Destination
  {
    let options = try await hostOptions(hop)
    if let refused = options.unsupported.first {
      throw SSHError.optionUnsupported(
        host: name, option: refused.name, value: refused.value, resolver: self.name)
    }
    let key = "\(options.user)@\(options.hostName):\(options.port)"
    guard !trail.contains(key), trail.count < Self.maximumHops else {
      throw SSHError.jumpLoop(hosts: trail + [key])
    }
    let tokens = SSHTokens(
      hostName: options.hostName, originalHost: hop.host, port: options.port, remoteUser: options.user,
      localUser: localUser, home: home, hostKeyAlias: options.hostKeyAlias)
    var destination = try makeDestination(options, name: name, tokens: tokens)
    let jumps = forcedJumps ?? options.proxyJump
    if let jumps, let last = jumps.last {
      let expanded = try jumps.map { try expand(hop: $0, tokens: tokens) }
      let earlier = Array(expanded.dropLast())
      let previous = try await plan(
        try expand(hop: last, tokens: tokens), name: last.description,
        forcedJumps: earlier.isEmpty ? nil : earlier, trail: trail + [key])
      var reached = previous
      reached.jumpHosts = []
      destination.jumpHosts = previous.jumpHosts + [reached]
    } else if forcedJumps == nil, let command = options.proxyCommand {
      guard command != "-" else {
        throw SSHError.optionUnsupported(host: name, option: "ProxyCommand", value: "-", resolver: self.name)
      }
      destination.proxyCommand = try tokens.expand(
        command, allowed: SSHTokens.proxyTokens, keyword: "ProxyCommand")
    }
    return destination
  }

  /// What the configuration says for one host (no route, nothing refused yet).
  func hostOptions(_ hop: SSHJumpHop) async throws -> SSHHostOptions {
    switch source {
    case .openSSH(let resolver):
      return try await resolver.resolve(host: hop.host, user: hop.user, port: hop.port)
    case .builtin(let config):
      let home = self.home
      let localUser = self.localUser
      let environment = self.environment
      return try await BlockingWork.run {
        try config.resolve(
          host: hop.host, user: hop.user, port: hop.port, localUser: localUser, home: home,
          environment: environment)
      }
    }
  }

  private func makeDestination(_ options: SSHHostOptions, name: String, tokens: SSHTokens) throws
    -> SSHTransport.Destination
  {
    var destination = SSHTransport.Destination(
      name: name, hostName: options.hostName, port: options.port, user: options.user)
    destination.identityFiles = try options.identityFiles.map {
      try tokens.expandPath($0, keyword: "IdentityFile", environment: environment)
    }
    destination.identitiesOnly = options.identitiesOnly
    switch options.identityAgent {
    case nil, "SSH_AUTH_SOCK":
      destination.agentSocket = environment["SSH_AUTH_SOCK"].flatMap { $0.isEmpty ? nil : $0 }
    case "none":
      destination.agentAbsence = "IdentityAgent none"
    case let variable? where variable.hasPrefix("$"):
      destination.agentSocket = environment[String(variable.dropFirst())].flatMap { $0.isEmpty ? nil : $0 }
      destination.agentAbsence = "IdentityAgent \(variable): not set"
    case let path?:
      destination.agentSocket = path
    }
    destination.knownHostsFiles =
      (options.userKnownHostsFiles ?? [home + "/.ssh/known_hosts", home + "/.ssh/known_hosts2"])
      + (options.globalKnownHostsFiles ?? ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"])
    destination.hostKeyAlias = options.hostKeyAlias
    destination.connectTimeout = options.connectTimeout.flatMap { $0 > 0 ? $0 : nil }
    if let interval = options.serverAliveInterval, interval > 0 { destination.keepaliveInterval = interval }
    destination.keepaliveCountMax = max(1, options.serverAliveCountMax)
    destination.addressFamily = options.addressFamily
    destination.resolvedBy = self.name
    return destination
  }

  /// A ProxyJump hop with the `%h %n %p %r` tokens of the host it leads to expanded.
  private func expand(hop: SSHJumpHop, tokens: SSHTokens) throws -> SSHJumpHop {
    var expanded = hop
    expanded.host = try tokens.expand(hop.host, allowed: SSHTokens.proxyTokens, keyword: "ProxyJump")
    expanded.user = try hop.user.map {
      try tokens.expand($0, allowed: SSHTokens.proxyTokens, keyword: "ProxyJump")
    }
    return expanded
  }

  static var passwdHome: String? {
    PasswordEntry(uid: getuid())?.home
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
