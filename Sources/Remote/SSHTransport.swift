import Foundation
import LabPipeline

/// The Transport over SSH: one connection (reopened when it drops), many channels. A
/// connection may run through jump hosts (ProxyJump: one session each, the next tunnelled
/// through a direct-tcpip channel of the previous) or a ProxyCommand; reconnecting reopens
/// the whole route.
public actor SSHTransport: Transport {
  public let destination: Destination
  private let options: ConnectionOptions
  private var session: SSHSession?
  private var connecting: Task<(SSHSession, [String]), Error>?
  private var hostKeyFingerprint: String?
  /// The jump hosts' fingerprints on the current route, in connection order.
  private var jumpHostKeys: [String] = []
  /// How many times a connection was opened (1 for a healthy run).
  public private(set) var connectionCount = 0

  public init(destination: Destination, options: ConnectionOptions) {
    self.destination = destination
    self.options = options
  }

  deinit {
    session?.close()
  }

  public var target: TargetInfo {
    let jumps = destination.jumpHosts.enumerated().map { index, hop in
      TargetInfo.JumpHost(
        name: hop.name, address: hop.hostName, user: hop.user, port: hop.port,
        hostKey: index < jumpHostKeys.count ? jumpHostKeys[index] : nil)
    }
    return TargetInfo(
      name: destination.name, kind: .ssh, address: destination.hostName, user: destination.user,
      port: destination.port, hostKey: hostKeyFingerprint, jumpHosts: jumps.isEmpty ? nil : jumps)
  }

  /// Opens the connection now (host key check and authentication), if not open.
  public func connect() async throws {
    _ = try await liveSession()
  }

  public func run(_ command: RemoteCommand) async throws -> CommandOutput {
    var attempt = 0
    while true {
      attempt += 1
      let session = try await liveSession()
      do {
        let result = try await exec(command, on: session)
        return CommandOutput(
          stdout: result.stdout, stderr: result.stderr, exitStatus: result.exitStatus,
          startedAt: result.startedAt, finishedAt: result.finishedAt)
      } catch SessionFailure.notStarted(let detail) {
        // Nothing ran: the connection was already gone. Reconnect and try once more.
        drop(session)
        if attempt >= 2 { throw TransportError.connectionLost(host: destination.name, detail: detail) }
      } catch SessionFailure.sudoNeedsPassword {
        throw TransportError.sudoNeedsPassword(host: destination.name)
      } catch let error as TransportError {
        if case .connectionLost = error { drop(session) }
        throw error
      }
    }
  }

  public func upload(_ localFile: URL, to remotePath: String) async throws {
    try await transfer(.upload(local: localFile, remote: remotePath))
  }

  public func download(_ remotePath: String, to localFile: URL) async throws {
    try await transfer(.download(remote: remotePath, local: localFile))
  }

  public func close() async {
    connecting?.cancel()
    connecting = nil
    let closing = session
    session = nil
    await closing?.closeAndWait()
  }

  // MARK: -

  private func transfer(_ direction: SFTPOperation.Direction) async throws {
    let session = try await liveSession()
    do {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
        session.submit(SFTPOperation(direction, timeout: nil) { continuation.resume(with: $0) })
      }
    } catch let error as TransportError {
      if case .connectionLost = error { drop(session) }
      throw error
    }
  }

  private func exec(_ command: RemoteCommand, on session: SSHSession) async throws -> ExecResult {
    let box = OperationBox()
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ExecResult, Error>) in
        let operation = ExecOperation(
          command: command.script, privileged: command.privileged, userIsRoot: destination.user == "root",
          stdin: command.stdin, timeout: command.timeout, bounds: options.stopBounds
        ) { continuation.resume(with: $0) }
        session.submit(operation)
        if box.set(operation) { session.cancel(operation) }
      }
    } onCancel: {
      if let operation = box.cancel() { session.cancel(operation) }
    }
  }

  private func drop(_ failed: SSHSession) {
    failed.close()
    if session === failed { session = nil }
  }

  private func liveSession() async throws -> SSHSession {
    if let session, session.isAlive { return session }
    session = nil
    if let connecting { return try await connecting.value.0 }
    let task = Task { try await self.openRoute() }
    connecting = task
    defer { connecting = nil }
    let (opened, jumpKeys) = try await task.value
    session = opened
    connectionCount += 1
    hostKeyFingerprint = opened.hostKey.fingerprint
    jumpHostKeys = jumpKeys
    return opened
  }

  /// Connects to each host of the route in turn, each through the one before it; returns the
  /// target's session (which owns the rest of the route) and the jump hosts' fingerprints.
  private func openRoute() async throws -> (SSHSession, [String]) {
    let route = destination.jumpHosts + [destination]
    var previous: SSHSession?
    var jumpKeys: [String] = []
    for (index, hop) in route.enumerated() {
      let link: SSHLink
      if let previous {
        link = .jump(through: previous, host: hop.hostName, port: hop.port)
      } else if let command = hop.proxyCommand {
        let shell = options.environment["SHELL"].flatMap { $0.isEmpty ? nil : $0 } ?? "/bin/sh"
        link = .command(command, shell: shell, environment: options.environment)
      } else {
        link = .tcp(host: hop.hostName, port: hop.port, family: Self.addressFamily(hop.addressFamily))
      }
      let isTarget = index == route.count - 1
      let session = try await Self.connect(
        hop, link: link, role: isTarget ? nil : "jump host \(hop.name)", options: options)
      if !isTarget { jumpKeys.append(session.hostKey.fingerprint) }
      previous = session
    }
    guard let target = previous else {
      throw SSHError.connectFailed(host: destination.name, port: destination.port, detail: "empty route")
    }
    return (target, jumpKeys)
  }

  /// One host of the route: its host key checked against labrun's known_hosts and the host's
  /// own files, then authentication with its own identities.
  private static func connect(
    _ hop: Destination, link: SSHLink, role: String?, options: ConnectionOptions
  ) async throws -> SSHSession {
    let known = KnownHosts(
      files: [options.state.knownHostsFile.path]
        + (options.state.legacyKnownHostsFile.map { [$0.path] } ?? [])
        + hop.knownHostsFiles)
    let tokens = hop.knownHostsTokens
    let display = tokens[0] + (role.map { " (\($0))" } ?? "")
    let preference = hostKeyPreference(known: known.knownKeyTypes(tokens: tokens))
    let verifier: @Sendable (HostKey) throws -> Void = { key in
      switch known.verdict(for: key, tokens: tokens) {
      case .known:
        return
      case .changed(let keys, let file):
        throw SSHError.hostKeyChanged(
          host: display, known: keys.map { "\($0.type) \($0.fingerprint)" },
          offered: "\(key.type) \(key.fingerprint)",
          file: file)
      case .revoked(let file):
        throw SSHError.hostKeyRevoked(host: display, fingerprint: key.fingerprint, file: file)
      case .unknown:
        guard options.acceptNewHostKey else {
          throw SSHError.hostKeyUnknown(host: display, fingerprint: key.fingerprint, keyType: key.type)
        }
        try KnownHosts.remember(key, hostToken: tokens[0], in: options.state.knownHostsFile)
      }
    }
    let authenticator = SSHAuthenticator(
      user: hop.user, host: role.map { "\(hop.hostName) (\($0))" } ?? hop.name,
      identityFiles: hop.identityFiles, identitiesOnly: hop.identitiesOnly,
      home: options.environment["HOME"] ?? NSHomeDirectory(), agentSocket: hop.agentSocket,
      agentAbsence: hop.agentAbsence,
      environmentPassphrase: options.environment["LABRUN_KEY_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 },
      askPassphrase: options.askPassphrase)
    return try await SSHSession.connect(
      endpoint: .init(displayName: hop.name, hostName: hop.hostName, port: hop.port, user: hop.user),
      link: link, keepalive: Int32(clamping: hop.keepaliveInterval), keepaliveCountMax: hop.keepaliveCountMax,
      connectTimeout: hop.connectTimeout.map { .seconds($0) },
      verifyHostKey: verifier,
      authenticate: { try authenticator.authenticate($0) },
      hostKeyPreference: preference)
  }

  static func addressFamily(_ name: String) -> Int32 {
    switch name {
    case "inet": return AF_INET
    case "inet6": return AF_INET6
    default: return AF_UNSPEC
    }
  }

  /// Host key algorithms with the types already on record first, so a known host is
  /// checked against the key we have rather than one we have never seen.
  static func hostKeyPreference(known: [String]) -> String? {
    let all = [
      "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512",
      "rsa-sha2-256", "ssh-rsa",
    ]
    guard !known.isEmpty else { return nil }
    var ordered: [String] = []
    for type in known {
      let algorithms = type == "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type]
      for algorithm in algorithms where all.contains(algorithm) && !ordered.contains(algorithm) {
        ordered.append(algorithm)
      }
    }
    ordered += all.filter { !ordered.contains($0) }
    return ordered.joined(separator: ",")
  }
}

/// Hands an operation from the submitting closure to the cancellation handler, whichever
/// runs first.
final class OperationBox: @unchecked Sendable {
  private let lock = NSLock()
  private var operation: ExecOperation?
  private var cancelled = false

  /// Stores the operation; true if cancellation already happened.
  func set(_ operation: ExecOperation) -> Bool {
    lock.withLock {
      self.operation = operation
      return cancelled
    }
  }

  /// Marks cancelled; returns the operation if it exists yet.
  func cancel() -> ExecOperation? {
    lock.withLock {
      cancelled = true
      return operation
    }
  }
}
