import Foundation
import LabPipeline
import TestSupport

/// Throwaway keys, files and allowed_signers in a temporary directory, and the real OpenSSH
/// tools run on them (`ssh-keygen -Y sign|verify|find-principals`, ssh-agent, ssh-add).
///
/// A missing tool is a failure that says how to install it, never a skip. Call ``remove()``.
struct OpenSSHFixture {
  static let sshKeygen = "/usr/bin/ssh-keygen"
  static let sshAgent = "/usr/bin/ssh-agent"
  static let sshAdd = "/usr/bin/ssh-add"

  /// Why the fixture could not do its part.
  enum FixtureError: Error, CustomStringConvertible {
    case missingTool(String)
    case commandFailed(String, String)
    case agentDidNotStart(String)

    var description: String {
      switch self {
      case .missingTool(let tool):
        return "\(tool) not found: install openssh-client (`apt-get install openssh-client`, or `make deps`)"
      case .commandFailed(let command, let output): return "\(command) failed: \(output)"
      case .agentDidNotStart(let socket):
        return "ssh-agent did not accept connections on \(socket) within 10 s"
      }
    }
  }

  let directory: TemporaryDirectory

  init() throws {
    for tool in [Self.sshKeygen, Self.sshAgent, Self.sshAdd]
    where !FileManager.default.isExecutableFile(atPath: tool) {
      throw FixtureError.missingTool(tool)
    }
    directory = try TemporaryDirectory(prefix: "labrun-signing")
  }

  func remove() {
    directory.remove()
  }

  /// A fresh key pair named `name`; returns the private key file (the public one is `name.pub`).
  func makeKey(_ kind: KeyKind, name: String, passphrase: String = "", format: [String] = []) async throws
    -> URL
  {
    let key = directory.appending(name)
    if kind == .rsa {
      // RSA-3072 takes seconds to make: the process's one pair of this name and passphrase.
      let typeArguments = kind.keygenArguments + format
      try await BlockingWork.run {
        try GeneratedKeyPairs.write(
          typeArguments: typeArguments, comment: "\(name)@labrun-test", passphrase: passphrase, to: key)
      }
      return key
    }
    try await run(
      [Self.sshKeygen, "-q"] + kind.keygenArguments + format + [
        "-N", passphrase, "-C", "\(name)@labrun-test", "-f", key.path,
      ])
    return key
  }

  /// The `type base64` of a key's public half.
  func publicKeyLine(_ key: URL) throws -> String {
    let text = try String(contentsOf: publicKeyFile(key), encoding: .utf8)
    return text.split(separator: " ").prefix(2).joined(separator: " ")
  }

  func publicKeyFile(_ key: URL) -> URL {
    key.deletingLastPathComponent().appendingPathComponent(key.lastPathComponent + ".pub")
  }

  /// The key's `SHA256:` fingerprint as `ssh-keygen -lf` prints it.
  func fingerprint(_ key: URL) async throws -> String {
    let output = try await run([Self.sshKeygen, "-E", "sha256", "-lf", publicKeyFile(key).path])
    return output.split(separator: " ").dropFirst().first.map(String.init) ?? ""
  }

  /// Encrypts an existing unencrypted key file with `passphrase` (`ssh-keygen -p`).
  func encrypt(_ key: URL, passphrase: String) async throws {
    try await run([Self.sshKeygen, "-q", "-p", "-P", "", "-N", passphrase, "-f", key.path])
  }

  /// A file of `count` pseudo-random bytes (xorshift from a random seed: cheap in debug builds).
  func writeRandomFile(_ name: String, count: Int) throws -> URL {
    var bytes = [UInt8](repeating: 0, count: count)
    var state = UInt64.random(in: 1...UInt64.max)
    for index in bytes.indices {
      state ^= state << 13
      state ^= state >> 7
      state ^= state << 17
      bytes[index] = UInt8(truncatingIfNeeded: state)
    }
    let url = directory.appending(name)
    try Data(bytes).write(to: url)
    return url
  }

  /// A small bundle-like file.
  func writeBundle(_ name: String = "bundle.tar.gz", text: String = "evidence bundle \(UUID())\n") throws
    -> URL
  {
    let url = directory.appending(name)
    try Data(text.utf8).write(to: url)
    return url
  }

  /// Flips one bit in the middle of `url`.
  func tamper(_ url: URL) throws {
    var data = try Data(contentsOf: url)
    data[data.count / 2] ^= 0x01
    try data.write(to: url)
  }

  /// An allowed_signers file holding `lines`.
  func writeAllowedSigners(_ lines: [String], name: String = "allowed_signers") throws -> URL {
    let url = directory.appending(name)
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    return url
  }

  /// `ssh-keygen -Y sign`: signs `file` with `key` in `namespace`, into `file.sig`.
  func keygenSign(_ file: URL, key: URL, namespace: String) async throws -> URL {
    let signature = URL(fileURLWithPath: file.path + ".sig")
    try? FileManager.default.removeItem(at: signature)
    try await run([Self.sshKeygen, "-Y", "sign", "-f", key.path, "-n", namespace, file.path])
    return signature
  }

  /// `ssh-keygen -Y verify … < file`: exit status and output.
  func keygenVerify(_ file: URL, signature: URL, allowedSigners: URL, identity: String, namespace: String)
    async -> (status: Int32, output: String)
  {
    await Self.offPool([
      "/bin/sh", "-c", "exec \"$0\" -Y verify -f \"$1\" -I \"$2\" -n \"$3\" -s \"$4\" < \"$5\"",
      Self.sshKeygen,
      allowedSigners.path, identity, namespace, signature.path, file.path,
    ])
  }

  /// `ssh-keygen -Y find-principals`: the principals it prints (one a line), or nil when it finds
  /// none.
  func keygenFindPrincipals(signature: URL, allowedSigners: URL) async -> [String]? {
    let result = await Self.offPool([
      Self.sshKeygen, "-Y", "find-principals", "-s", signature.path, "-f", allowedSigners.path,
    ])
    guard result.status == 0 else { return nil }
    return result.output.split(whereSeparator: \.isNewline).map(String.init)
  }

  /// Runs a command that must succeed; returns its output.
  @discardableResult
  func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> String {
    let result = await Self.offPool(arguments, environment: environment)
    guard result.status == 0 else {
      throw FixtureError.commandFailed(arguments.joined(separator: " "), result.output)
    }
    return result.output
  }

  /// Runs a tool to completion on a thread of its own: ssh-keygen generating an RSA key takes
  /// seconds, and a blocked cooperative-pool thread stalls every other test's timers.
  static func offPool(_ arguments: [String], environment: [String: String]? = nil) async -> (
    status: Int32, output: String
  ) {
    await SpawnedProcess.completed(arguments, environment: environment)
  }

  /// Starts an ssh-agent on a socket in the fixture's directory and waits until it accepts
  /// connections: the socket file appears at bind(), before the agent listens, and a client
  /// in between is refused (`ssh-add -l` exits 2 until then; 1 means an empty agent).
  func startAgent() async throws -> Agent {
    let socket = directory.appending("agent.sock").path
    let process = try SpawnedProcess([Self.sshAgent, "-D", "-a", socket])
    let deadline = Date().addingTimeInterval(10)
    while await SpawnedProcess.completed([Self.sshAdd, "-l"], environment: ["SSH_AUTH_SOCK": socket]).status
      == 2
    {
      guard Date() < deadline, process.isRunning else {
        process.terminate()
        throw FixtureError.agentDidNotStart(socket)
      }
      try await Task.sleep(for: .milliseconds(20))
    }
    return Agent(socket: socket, process: process, fixture: self)
  }

  /// A running ssh-agent; stop it with ``stop()``.
  struct Agent {
    let socket: String
    let process: SpawnedProcess
    let fixture: OpenSSHFixture

    /// What a process needs to find this agent.
    var environment: [String: String] { ["SSH_AUTH_SOCK": socket] }

    /// `ssh-add KEY`.
    func add(_ key: URL) async throws {
      try await fixture.run([OpenSSHFixture.sshAdd, "-q", key.path], environment: environment)
    }

    func stop() {
      process.terminate()
    }
  }
}
