import Foundation

/// Asks OpenSSH itself how it would connect: `ssh -G` prints the fully resolved configuration
/// (Match, Include, tokens, canonicalisation) and connects to nothing. labrun still speaks SSH
/// itself; only the configuration comes from OpenSSH.
///
/// `ssh -G` prints ssh's own defaults too (its default key list, `~/.ssh/known_hosts`), so the
/// same query is repeated with `-F none`: a value that does not differ from that one is a
/// default, and labrun's own default applies instead.
struct OpenSSHConfigResolver: Sendable {
  /// The `ssh` executable.
  let executable: String
  /// `-F FILE`, if given.
  let configFile: String?

  func resolve(host: String, user: String?, port: Int?) async throws -> SSHHostOptions {
    let configured = try await query(host: host, user: user, port: port, configFile: configFile)
    let defaults = try await query(host: host, user: user, port: port, configFile: "none")
    return try Self.options(configured: configured, defaults: defaults, host: host)
  }

  /// Combines the two `ssh -G` outputs into the options labrun uses.
  static func options(configured: [String: [String]], defaults: [String: [String]], host: String) throws
    -> SSHHostOptions
  {
    func value(_ key: String) -> String? { configured[key]?.first }
    func setByConfig(_ key: String) -> Bool { configured[key] != defaults[key] }
    guard let hostName = value("hostname"), let user = value("user"), let portText = value("port"),
      let port = Int(portText)
    else {
      throw SSHError.resolutionFailed(host: host, detail: "ssh -G printed no hostname, user or port")
    }
    var options = SSHHostOptions(hostName: hostName, user: user, port: port)
    if setByConfig("identityfile") { options.identityFiles = configured["identityfile"] ?? [] }
    options.identitiesOnly = value("identitiesonly") == "yes"
    for (key, path) in [
      ("userknownhostsfile", \SSHHostOptions.userKnownHostsFiles),
      ("globalknownhostsfile", \SSHHostOptions.globalKnownHostsFiles),
    ]
    where setByConfig(key) {
      let files = (value(key) ?? "").split(separator: " ").map(String.init)
      options[keyPath: path] = files == ["none"] ? [] : files
    }
    options.identityAgent = value("identityagent")
    options.hostKeyAlias = value("hostkeyalias")
    options.connectTimeout = value("connecttimeout").flatMap { Int($0) }
    options.serverAliveInterval = value("serveraliveinterval").flatMap { Int($0) }
    options.serverAliveCountMax = value("serveralivecountmax").flatMap { Int($0) } ?? 3
    options.addressFamily = value("addressfamily") ?? "any"
    options.proxyJump = try value("proxyjump").flatMap { try SSHJumpHop.list($0) }
    options.proxyCommand = value("proxycommand")
    for (key, name) in [
      ("bindaddress", "BindAddress"), ("bindinterface", "BindInterface"),
      ("pkcs11provider", "PKCS11Provider"),
      ("knownhostscommand", "KnownHostsCommand"),
    ] {
      if let set = value(key) { options.unsupported.append(.init(name: name, value: set)) }
    }
    if value("proxyusefdpass") == "yes" {
      options.unsupported.append(.init(name: "ProxyUseFdpass", value: "yes"))
    }
    for file in configured["certificatefile"] ?? [] {
      options.unsupported.append(.init(name: "CertificateFile", value: file))
    }
    return options
  }

  /// `ssh -G` output as keyword → values, one value per line (IdentityFile repeats).
  static func parse(_ output: String) -> [String: [String]] {
    var values: [String: [String]] = [:]
    for line in output.split(whereSeparator: \.isNewline) {
      let key = line.prefix { $0 != " " }
      guard !key.isEmpty else { continue }
      let value = line.dropFirst(key.count).drop { $0 == " " }
      values[key.lowercased(), default: []].append(String(value))
    }
    return values
  }

  private func query(host: String, user: String?, port: Int?, configFile: String?) async throws
    -> [String: [String]]
  {
    var arguments = [executable, "-G"]
    if let configFile { arguments += ["-F", configFile] }
    if let user { arguments += ["-l", user] }
    if let port { arguments += ["-p", String(port)] }
    arguments += ["--", host]
    let process = LocalProcess(arguments: arguments, stdin: [])
    let ending = try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<LocalProcess.Ending, any Error>) in
      process.start(timeout: .seconds(30), continuation: continuation)
    }
    guard ending.stopReason == nil, ending.status == 0 else {
      let message = String(decoding: ending.stderr, as: UTF8.self)
        .split(whereSeparator: \.isNewline)
        .filter { !$0.hasPrefix("Pseudo-terminal will not be allocated") }
        .joined(separator: "; ")
      let detail =
        ending.stopReason == nil
        ? "`ssh -G` exited with status \(ending.status): \(message)" : "`ssh -G` timed out"
      throw SSHError.resolutionFailed(host: host, detail: detail)
    }
    return Self.parse(String(decoding: ending.stdout, as: UTF8.self))
  }
}
