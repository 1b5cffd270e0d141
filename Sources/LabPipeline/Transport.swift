import Foundation

/// A place commands run: a GPU VM over SSH, this machine, or the simulated GPU host.
///
/// Steps talk only to this protocol, so the same pipeline runs on every kind of target.
public protocol Transport: Sendable {
  /// What this transport is connected to, as recorded in run.json.
  var target: TargetInfo { get async }

  /// Runs one shell command and returns its output and real exit status.
  ///
  /// A non-zero exit status is a result, not an error; errors are reserved for the
  /// transport itself failing (connection lost, timeout, no exit status received).
  func run(_ command: RemoteCommand) async throws -> CommandOutput

  /// Copies a local file to `remotePath` on the target.
  func upload(_ localFile: URL, to remotePath: String) async throws

  /// Copies `remotePath` on the target to a local file, written atomically.
  func download(_ remotePath: String, to localFile: URL) async throws

  /// Closes the connection; later calls may reopen it.
  func close() async
}

/// One command for a transport to run.
public struct RemoteCommand: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The shell text, run by the target's `/bin/sh -c` equivalent. Interpolated values must
  /// already have gone through ``ShellQuote/quote(_:)``.
  public var script: String
  /// Run with root privileges (`sudo -n` unless the target user is root).
  public var privileged: Bool
  /// Stop the command and report ``TransportError/timedOut(command:after:)`` past this.
  public var timeout: Duration?
  /// Bytes written to the command's standard input, then closed.
  public var stdin: [UInt8]?
  /// The cluster node that runs it (``ClusterTransport``); nil: the target itself (the server).
  public var node: String?

  public init(
    _ script: String, privileged: Bool = false, timeout: Duration? = nil, stdin: [UInt8]? = nil,
    node: String? = nil
  ) {
    self.script = script
    self.privileged = privileged
    self.timeout = timeout
    self.stdin = stdin
    self.node = node
  }

  public var description: String { privileged ? "sudo -n sh -c \(ShellQuote.quote(script))" : script }
}

/// What a command printed and how it ended.
public struct CommandOutput: Sendable, Hashable {
  /// Raw standard output bytes; never decoded mid-stream.
  public var stdout: [UInt8]
  /// Raw standard error bytes.
  public var stderr: [UInt8]
  /// The command's real exit status (128+N for a signal N).
  public var exitStatus: Int32
  public var startedAt: Date
  public var finishedAt: Date

  public init(stdout: [UInt8], stderr: [UInt8], exitStatus: Int32, startedAt: Date, finishedAt: Date) {
    self.stdout = stdout
    self.stderr = stderr
    self.exitStatus = exitStatus
    self.startedAt = startedAt
    self.finishedAt = finishedAt
  }

  /// Standard output as text, with invalid UTF-8 replaced.
  public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
  /// Standard error as text, with invalid UTF-8 replaced.
  public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
  public var succeeded: Bool { exitStatus == 0 }
  /// Standard output without the surrounding white space (a single value a command printed).
  public var trimmedStdout: String { stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) }
  /// Standard output's lines, empty ones kept.
  public var stdoutLines: [String] {
    stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }
}

/// Where a run happened, as recorded in run.json's `target`.
public struct TargetInfo: Sendable, Hashable, Codable {
  public enum Kind: String, Sendable, Hashable, Codable {
    case ssh, local, simulated
    /// An existing cluster reached through a kubeconfig (`kubectl` on this machine).
    case kubeconfig
  }
  /// The name the user gave (`gpu-vm`, `local`, `sim`).
  public var name: String
  public var kind: Kind
  /// Resolved host address (ssh) or host name.
  public var address: String?
  /// Remote user name.
  public var user: String?
  public var port: Int?
  /// `SHA256:…` fingerprint of the host key, for ssh targets.
  public var hostKey: String?
  /// The jump hosts (ProxyJump) the connection went through, in order; absent when direct.
  public var jumpHosts: [JumpHost]?
  /// A cluster's other nodes (the agents), each as it was reached; absent for one host.
  public var nodes: [TargetInfo]?
  /// The existing cluster a kubeconfig named (`--kubeconfig`); absent for hosts labrun provisions.
  public var cluster: ExistingClusterIdentity?

  /// One jump host on the way to an ssh target, as run.json's `target.jump_hosts[]` records it.
  public struct JumpHost: Sendable, Hashable, Codable {
    /// The hop as ProxyJump names it (`bastion`, `admin@bastion:2222`).
    public var name: String
    /// Resolved host address or name.
    public var address: String?
    public var user: String?
    public var port: Int?
    /// `SHA256:…` fingerprint of the jump host's key.
    public var hostKey: String?

    public init(
      name: String, address: String? = nil, user: String? = nil, port: Int? = nil, hostKey: String? = nil
    ) {
      self.name = name
      self.address = address
      self.user = user
      self.port = port
      self.hostKey = hostKey
    }

    enum CodingKeys: String, CodingKey {
      case name, address, user, port
      case hostKey = "host_key"
    }
  }

  public init(
    name: String, kind: Kind, address: String? = nil, user: String? = nil, port: Int? = nil,
    hostKey: String? = nil, jumpHosts: [JumpHost]? = nil
  ) {
    self.name = name
    self.kind = kind
    self.address = address
    self.user = user
    self.port = port
    self.hostKey = hostKey
    self.jumpHosts = jumpHosts
  }

  enum CodingKeys: String, CodingKey {
    case name, kind, address, user, port
    case hostKey = "host_key"
    case jumpHosts = "jump_hosts"
    case nodes, cluster
  }
}

/// How a transport itself failed, as opposed to a command exiting non-zero.
public enum TransportError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The command ran past its timeout and was stopped.
  case timedOut(command: String, after: Duration)
  /// The channel closed without an exit status: the outcome is unknown.
  case noExitStatus(command: String)
  /// The connection dropped while the command ran.
  case connectionLost(host: String, detail: String)
  /// The command needs root and `sudo -n` would ask for a password.
  case sudoNeedsPassword(host: String)
  /// A file transfer failed.
  case transferFailed(path: String, detail: String)
  /// The task was cancelled; the command's channel was closed.
  case cancelled(command: String)

  public var description: String {
    switch self {
    case .timedOut(let command, let after):
      return "command timed out after \(after.formattedSeconds) and was stopped: \(command)"
    case .noExitStatus(let command):
      return "command ended without an exit status (outcome unknown): \(command)"
    case .connectionLost(let host, let detail):
      return "connection to \(host) lost: \(detail)"
    case .sudoNeedsPassword(let host):
      return
        "sudo on \(host) needs a password; labrun runs privileged commands with `sudo -n`. "
        + "Allow passwordless sudo for this user (e.g. a NOPASSWD line in /etc/sudoers.d/) or connect as root"
    case .transferFailed(let path, let detail):
      return "file transfer of \(path) failed: \(detail)"
    case .cancelled(let command):
      return "cancelled: \(command)"
    }
  }

  public var errorDescription: String? { description }
}

extension Duration {
  /// `12.5s`-style text for messages.
  public var formattedSeconds: String {
    let (seconds, attoseconds) = components
    let value = Double(seconds) + Double(attoseconds) / 1e18
    if value == value.rounded() { return "\(Int64(value))s" }
    return String(format: "%.1fs", value)
  }

  /// The duration in seconds as a Double.
  public var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }
}

extension TransportError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.targetFailed }
}
