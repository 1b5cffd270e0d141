import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// One pass of ssh_config over one host, as readconf.c's `process_config_line` does it:
/// `Host` and `Match` switch blocks on and off, the first value of an option wins (IdentityFile
/// and CertificateFile accumulate), `Include` keeps the includer's state, and ProxyJump and
/// ProxyCommand exclude each other (the first one set wins; `ProxyJump none` does not stop a
/// later ProxyCommand, as in current OpenSSH).
struct SSHConfigEvaluation {
  /// The host as given (`%n`, `Match originalhost`, the text `Host` patterns match).
  let hostArgument: String
  let localUser: String

  private var hostName: String?
  private var user: String?
  private var port: Int?
  private var identityFiles: [String] = []
  private var certificateFiles: [String] = []
  private var identitiesOnly: Bool?
  private var userKnownHostsFiles: [String]?
  private var globalKnownHostsFiles: [String]?
  private var identityAgent: String?
  private var hostKeyAlias: String?
  private var connectTimeout: Int?
  private var serverAliveInterval: Int?
  private var serverAliveCountMax: Int?
  private var addressFamily: String?
  /// `none` or the ProxyJump value, as parse_jump stores it.
  private var jumpHost: String?
  private var jumpHops: [SSHJumpHop]?
  /// `none` or the ProxyCommand text.
  private var proxyCommand: String?
  private var canonicalizeHostName: String?
  private var proxyUseFDPass: Bool?
  /// BindAddress, BindInterface, PKCS11Provider, KnownHostsCommand: first value each.
  private var firstValues: [String: String] = [:]
  private var unsupported: [SSHHostOptions.UnsupportedOption] = []

  /// `user` and `port` are `-l`/`-p` (or `user@host:port`): they win over the file.
  init(hostArgument: String, user: String?, port: Int?, localUser: String) {
    self.hostArgument = hostArgument
    self.localUser = localUser
    self.user = user
    self.port = port
  }

  /// Options that change where or how ssh connects and that labrun does not implement; they
  /// are recorded (and refused later) rather than ignored.
  static let refusedOptions = [
    "bindaddress": "BindAddress", "bindinterface": "BindInterface", "pkcs11provider": "PKCS11Provider",
    "knownhostscommand": "KnownHostsCommand",
  ]

  mutating func evaluate(_ lines: [SSHConfig.Line], active: inout Bool, neverMatch: Bool) throws {
    for line in lines {
      switch line {
      case .host(let patterns):
        active = !neverMatch && Self.hostMatches(hostArgument, patterns: patterns)
      case .match(let criteria, let location):
        let matched = try match(criteria, location: location, counts: !neverMatch)
        active = !neverMatch && matched
      case .include(let files):
        let saved = active
        for file in files {
          try evaluate(file, active: &active, neverMatch: neverMatch || !saved)
          active = saved
        }
      case .option(let keyword, let arguments, let rest, let location):
        if active { try apply(keyword, arguments, rest: rest, location: location) }
      }
    }
  }

  /// The `Host` line: active if a pattern matches and no negated one does (case-sensitive,
  /// as OpenSSH's `match_pattern`).
  static func hostMatches(_ host: String, patterns: [String]) -> Bool {
    var matched = false
    for pattern in patterns {
      if pattern.hasPrefix("!") {
        if SSHConfig.caseSensitiveMatch(String(pattern.dropFirst()), host) { return false }
      } else if SSHConfig.caseSensitiveMatch(pattern, host) {
        matched = true
      }
    }
    return matched
  }

  /// readconf.c's `match_cfg_line` for the criteria labrun evaluates. A criterion it cannot
  /// evaluate (exec, canonical, final, …) is recorded as unsupported when its outcome matters.
  private mutating func match(_ criteria: [String], location: String, counts: Bool) throws -> Bool {
    var result = true
    var attributes = 0
    var words = criteria[...]
    while let word = words.popFirst() {
      let negate = word.hasPrefix("!")
      let attribute = (negate ? String(word.dropFirst()) : word).lowercased()
      if attribute == "all" {
        guard attributes <= 1, words.isEmpty else {
          throw SSHError.configInvalid(
            source: location, detail: "'\(word)' cannot be combined with other Match attributes")
        }
        return negate ? false : result
      }
      attributes += 1
      if attribute == "canonical" || attribute == "final" {
        if counts && result {
          unsupported.append(.init(name: "Match \(attribute)", value: "(\(location))"))
        }
        result = false
        continue
      }
      guard let argument = words.popFirst() else {
        throw SSHError.configInvalid(source: location, detail: "missing Match criteria for \(attribute)")
      }
      let matched: Bool
      switch attribute {
      case "host":
        matched = SSHConfig.matchPatternList(matchHost.lowercased(), argument, lowercase: true) == 1
      case "originalhost":
        matched = SSHConfig.matchPatternList(hostArgument.lowercased(), argument, lowercase: true) == 1
      case "user":
        matched = SSHConfig.matchPatternList(user ?? localUser, argument, lowercase: false) == 1
      case "localuser":
        matched = SSHConfig.matchPatternList(localUser, argument, lowercase: false) == 1
      case "exec", "localnetwork", "tagged":
        // ssh skips `exec` once an earlier criterion failed; then its outcome cannot matter.
        if counts && result {
          unsupported.append(.init(name: "Match \(attribute)", value: "\(argument) (\(location))"))
        }
        result = false
        continue
      default:
        throw SSHError.configInvalid(source: location, detail: "unsupported Match attribute \(attribute)")
      }
      if matched == negate { result = false }
    }
    guard attributes > 0 else {
      throw SSHError.configInvalid(source: location, detail: "one or more attributes required for Match")
    }
    return result
  }

  /// The host `Match host` compares: HostName so far with `%h` expanded, else the host given.
  private var matchHost: String {
    guard let hostName else { return hostArgument }
    return hostName.replacingOccurrences(of: "%h", with: hostArgument)
  }

  private mutating func apply(_ keyword: String, _ arguments: [String], rest: String, location: String) throws
  {
    let first = arguments.first ?? ""
    switch keyword {
    case "hostname": if hostName == nil { hostName = first }
    case "user": if user == nil { user = first }
    case "port":
      guard let value = Int(first), (1...65535).contains(value) else {
        throw SSHError.configInvalid(source: location, detail: "bad port '\(first)'")
      }
      if port == nil { port = value }
    case "identityfile": identityFiles.append(first)
    case "certificatefile": certificateFiles.append(first)
    case "identitiesonly": if identitiesOnly == nil { identitiesOnly = try Self.flag(first, location) }
    case "userknownhostsfile": if userKnownHostsFiles == nil { userKnownHostsFiles = arguments }
    case "globalknownhostsfile": if globalKnownHostsFiles == nil { globalKnownHostsFiles = arguments }
    case "identityagent": if identityAgent == nil { identityAgent = first }
    case "hostkeyalias": if hostKeyAlias == nil { hostKeyAlias = first }
    case "connecttimeout":
      if connectTimeout == nil { connectTimeout = try Self.time(first, location) }
    case "serveraliveinterval":
      if serverAliveInterval == nil { serverAliveInterval = try Self.time(first, location) }
    case "serveralivecountmax":
      guard let value = Int(first), value >= 0 else {
        throw SSHError.configInvalid(source: location, detail: "bad ServerAliveCountMax '\(first)'")
      }
      if serverAliveCountMax == nil { serverAliveCountMax = value }
    case "addressfamily":
      guard ["any", "inet", "inet6"].contains(first.lowercased()) else {
        throw SSHError.configInvalid(source: location, detail: "bad AddressFamily '\(first)'")
      }
      if addressFamily == nil { addressFamily = first.lowercased() }
    case "proxyjump":
      // As current OpenSSH (and Debian's 9.2p1) reads it: `none` only marks ProxyJump as
      // set; a list of hops also takes the place of any later ProxyCommand.
      let value = String(rest.prefix { $0 != "#" }).trimmingCharacters(in: .whitespaces)
      let hops = try SSHJumpHop.list(value)
      if hops == nil {
        if jumpHost == nil { jumpHost = "none" }
      } else if proxyCommand == nil, jumpHost == nil {
        jumpHost = value
        jumpHops = hops
        proxyCommand = "none"
      }
    case "proxycommand":
      if proxyCommand == nil {
        proxyCommand = String(rest.drop { $0 == " " || $0 == "\t" || $0 == "=" })
      }
    case "canonicalizehostname":
      if canonicalizeHostName == nil { canonicalizeHostName = first.lowercased() }
    case "proxyusefdpass":
      if proxyUseFDPass == nil { proxyUseFDPass = try Self.flag(first, location) }
    default:
      if Self.refusedOptions[keyword] != nil, firstValues[keyword] == nil { firstValues[keyword] = first }
    }
  }

  /// The options ssh would use, with labrun's defaults where ssh has its own.
  func finish(home: String, environment: [String: String]) throws -> SSHHostOptions {
    var host = hostArgument
    if let hostName {
      host = try SSHTokens(
        hostName: hostArgument, originalHost: hostArgument, port: 22, remoteUser: "", localUser: localUser,
        home: home
      ).expand(hostName, allowed: SSHTokens.hostNameTokens, keyword: "HostName")
    }
    if !Self.isAddress(host) { host = host.lowercased() }
    let remoteUser = user ?? localUser
    let finalPort = port ?? 22
    let alias = hostKeyAlias?.lowercased()
    let tokens = SSHTokens(
      hostName: host, originalHost: hostArgument, port: finalPort, remoteUser: remoteUser,
      localUser: localUser,
      home: home, hostKeyAlias: alias)
    var options = SSHHostOptions(hostName: host, user: remoteUser, port: finalPort)
    options.identityFiles = identityFiles
    options.identitiesOnly = identitiesOnly ?? false
    options.userKnownHostsFiles = try userKnownHostsFiles.map { files in
      files.count == 1 && files[0].lowercased() == "none"
        ? []
        : try files.map { try tokens.expandPath($0, keyword: "UserKnownHostsFile", environment: environment) }
    }
    options.globalKnownHostsFiles = globalKnownHostsFiles.map { files in
      files.count == 1 && files[0].lowercased() == "none"
        ? [] : files.map { SSHTokens.expandTilde($0, home: home) }
    }
    options.identityAgent = try identityAgent.map {
      try tokens.expandPath($0, keyword: "IdentityAgent", environment: environment)
    }
    options.hostKeyAlias = alias
    options.connectTimeout = connectTimeout
    options.serverAliveInterval = serverAliveInterval
    options.serverAliveCountMax = serverAliveCountMax ?? 3
    options.addressFamily = addressFamily ?? "any"
    options.proxyJump = jumpHops
    if let proxyCommand, proxyCommand.lowercased() != "none" { options.proxyCommand = proxyCommand }
    var refused = unsupported
    for (keyword, name) in Self.refusedOptions.sorted(by: { $0.key < $1.key }) {
      if let value = firstValues[keyword], value.lowercased() != "none" {
        refused.append(.init(name: name, value: value))
      }
    }
    if let canonicalizeHostName, ["yes", "always", "true"].contains(canonicalizeHostName) {
      refused.append(.init(name: "CanonicalizeHostname", value: canonicalizeHostName))
    }
    if proxyUseFDPass == true { refused.append(.init(name: "ProxyUseFdpass", value: "yes")) }
    for file in certificateFiles { refused.append(.init(name: "CertificateFile", value: file)) }
    options.unsupported = refused
    return options
  }

  static func flag(_ value: String, _ location: String) throws -> Bool {
    switch value.lowercased() {
    case "yes", "true": return true
    case "no", "false": return false
    default: throw SSHError.configInvalid(source: location, detail: "bad yes/no value '\(value)'")
    }
  }

  /// OpenSSH's time format (`30`, `1m30s`, `2h`); nil for `none`.
  static func time(_ value: String, _ location: String) throws -> Int? {
    if value == "none" { return nil }
    var total = 0
    var digits = ""
    for character in value {
      if character.isASCII, character.isNumber {
        digits.append(character)
        continue
      }
      let multiplier: Int
      switch character.lowercased() {
      case "s": multiplier = 1
      case "m": multiplier = 60
      case "h": multiplier = 3600
      case "d": multiplier = 86400
      case "w": multiplier = 604800
      default: throw SSHError.configInvalid(source: location, detail: "invalid time value '\(value)'")
      }
      guard let number = Int(digits) else {
        throw SSHError.configInvalid(source: location, detail: "invalid time value '\(value)'")
      }
      total += number * multiplier
      digits = ""
    }
    if !digits.isEmpty {
      guard let number = Int(digits) else {
        throw SSHError.configInvalid(source: location, detail: "invalid time value '\(value)'")
      }
      total += number
    }
    return total
  }

  /// Whether `host` is an IPv4 or IPv6 address (ssh does not lower-case those).
  static func isAddress(_ host: String) -> Bool {
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
  }
}
