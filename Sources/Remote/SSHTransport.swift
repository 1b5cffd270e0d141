import Foundation
import LabPipeline

/// The Transport over SSH: one connection (reopened when it drops), many channels.
public actor SSHTransport: Transport {
  /// Everything needed to (re)connect, resolved once from `--host` and ssh_config.
  public struct Destination: Sendable {
    /// What the user typed (`gpu-vm`, `ubuntu@203.0.113.7`).
    public var name: String
    public var hostName: String
    public var port: Int
    public var user: String
    public var identityFiles: [String]
    public var identitiesOnly: Bool
  }

  public let destination: Destination
  private let options: ConnectionOptions
  private var session: SSHSession?
  private var connecting: Task<SSHSession, Error>?
  private var hostKeyFingerprint: String?
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
    TargetInfo(
      name: destination.name, kind: .ssh, address: destination.hostName, user: destination.user,
      port: destination.port, hostKey: hostKeyFingerprint)
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
          stdin: command.stdin, timeout: command.timeout
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
    if let connecting { return try await connecting.value }
    let task = Task { try await self.openSession() }
    connecting = task
    defer { connecting = nil }
    let opened = try await task.value
    session = opened
    connectionCount += 1
    hostKeyFingerprint = opened.hostKey.fingerprint
    return opened
  }

  private func openSession() async throws -> SSHSession {
    let destination = self.destination
    let options = self.options
    let knownHostsFiles = [options.state.knownHostsFile.path, Self.userKnownHosts(options.environment)]
    let names = [destination.hostName] + (destination.name != destination.hostName ? [] : [])
    let known = KnownHosts(files: knownHostsFiles)
    let preference = Self.hostKeyPreference(known: known.knownKeyTypes(hosts: names, port: destination.port))
    let verifier: @Sendable (HostKey) throws -> Void = { key in
      let display = KnownHosts.hostToken(destination.hostName, port: destination.port)
      switch known.verdict(for: key, hosts: names, port: destination.port) {
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
        try KnownHosts.remember(key, hostToken: display, in: options.state.knownHostsFile)
      }
    }
    let authenticator = SSHAuthenticator(
      user: destination.user, host: destination.name, identityFiles: destination.identityFiles,
      identitiesOnly: destination.identitiesOnly, home: options.environment["HOME"] ?? NSHomeDirectory(),
      agentSocket: options.environment["SSH_AUTH_SOCK"],
      environmentPassphrase: options.environment["LABRUN_KEY_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 },
      askPassphrase: options.askPassphrase)
    return try await SSHSession.connect(
      endpoint: .init(
        displayName: destination.name, hostName: destination.hostName, port: destination.port,
        user: destination.user),
      verifyHostKey: verifier,
      authenticate: { try authenticator.authenticate($0) },
      hostKeyPreference: preference)
  }

  static func userKnownHosts(_ environment: [String: String]) -> String {
    (environment["HOME"] ?? NSHomeDirectory()) + "/.ssh/known_hosts"
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
