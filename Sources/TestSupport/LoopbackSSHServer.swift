import Foundation
import LabPipeline
import Synchronization

/// A real OpenSSH `sshd` on a free loopback port, with throwaway host and user keys,
/// for tests and the benchmark. Stop it with ``stop()``.
///
/// A missing `sshd` is a failure that says how to install it, never a skip.
public final class LoopbackSSHServer: @unchecked Sendable {
  public enum ServerError: Error, CustomStringConvertible {
    case missingTool(String)
    case commandFailed(String, String)
    case didNotStart(String)

    public var description: String {
      switch self {
      case .missingTool(let tool):
        return "\(tool) not found: install openssh-server and openssh-client (`make deps` does, as root)"
      case .commandFailed(let command, let output): return "\(command) failed: \(output)"
      case .didNotStart(let log): return "sshd did not start: \(log)"
      }
    }
  }

  /// The throwaway directory holding keys, config and logs.
  public let directory: URL
  /// A fake HOME for the client side (its `.ssh/` starts empty).
  public let clientHome: URL
  public private(set) var port: Int
  public let user: String
  /// Private key files authorized on the server, by type.
  public let keys: [String: URL]
  /// An ed25519 key encrypted with ``encryptedKeyPassphrase``.
  public let encryptedKey: URL
  public let encryptedKeyPassphrase = "correct horse battery staple"
  /// A key the server does not accept.
  public let unauthorizedKey: URL
  /// The host key's public half, as ssh-keygen wrote it.
  public private(set) var hostPublicKey: String
  private var process: SpawnedProcess?
  private var hostKeyType: String
  /// sshd's LogLevel (`VERBOSE`, `DEBUG1` to see forwarding requests in ``log``).
  private let logLevel: String

  public static let sshdPath = "/usr/sbin/sshd"

  /// Creates keys and starts sshd. `hostKeyType` is ed25519, ecdsa or rsa.
  public init(hostKeyType: String = "ed25519", logLevel: String = "ERROR") throws {
    self.logLevel = logLevel
    guard FileManager.default.isExecutableFile(atPath: Self.sshdPath) else {
      throw ServerError.missingTool(Self.sshdPath)
    }
    let base = try TemporaryDirectory(prefix: "labrun-sshd").url
    directory = base
    clientHome = base.appendingPathComponent("home", isDirectory: true)
    try FileManager.default.createDirectory(
      at: clientHome.appendingPathComponent(".ssh"), withIntermediateDirectories: true)
    user = ProcessInfo.processInfo.environment["USER"] ?? Self.output(["/usr/bin/id", "-un"])
    self.hostKeyType = hostKeyType
    var keys: [String: URL] = [:]
    var authorized = ""
    for type in ["ed25519", "ecdsa", "rsa"] {
      let key = base.appendingPathComponent("user_\(type)")
      // The RSA key (seconds to make) is made once per test process; ed25519 and ecdsa, made
      // in milliseconds, stay each server's own, so a bastion and its target differ.
      try Self.keygen(type: type, file: key, passphrase: "", reused: type == "rsa")
      keys[type] = key
      authorized += try String(contentsOf: key.appendingPathExtension("pub"), encoding: .utf8)
    }
    self.keys = keys
    encryptedKey = base.appendingPathComponent("user_encrypted")
    try Self.keygen(type: "ed25519", file: encryptedKey, passphrase: encryptedKeyPassphrase, reused: true)
    authorized += try String(contentsOf: encryptedKey.appendingPathExtension("pub"), encoding: .utf8)
    unauthorizedKey = base.appendingPathComponent("user_stranger")
    try Self.keygen(type: "ed25519", file: unauthorizedKey, passphrase: "")
    try authorized.write(
      to: base.appendingPathComponent("authorized_keys"), atomically: true, encoding: .utf8)
    port = try Self.reservePort()
    hostPublicKey = ""
    try regenerateHostKey(type: hostKeyType)
    // Another process may take the free port between reservePort() and sshd's bind: try others.
    for attempt in 1... {
      do {
        try start()
        return
      } catch ServerError.didNotStart(let log) where log.contains("Address already in use") && attempt < 5 {
        let taken = port
        port = try Self.reservePort()
        Self.reservedPorts.withLock { _ = $0.remove(taken) }
      }
    }
  }

  /// Creates keys and starts sshd on a thread of its own: key generation blocks for seconds,
  /// which must not hold one of the few threads of Swift's cooperative pool other tests need.
  public static func start(hostKeyType: String = "ed25519", logLevel: String = "ERROR") async throws
    -> LoopbackSSHServer
  {
    try await BlockingWork.run { try LoopbackSSHServer(hostKeyType: hostKeyType, logLevel: logLevel) }
  }

  /// Stops sshd and removes the throwaway directory (``stop()`` keeps it: a test may
  /// ``start()`` the server again).
  deinit {
    stop()
    Self.reservedPorts.withLock { _ = $0.remove(port) }
    try? FileManager.default.removeItem(at: directory)
  }

  /// What sshd logged so far (at ``init(hostKeyType:logLevel:)``'s level).
  public var log: String {
    (try? String(contentsOf: directory.appendingPathComponent("sshd.log"), encoding: .utf8)) ?? ""
  }

  /// The host key line a known_hosts file would hold for this server.
  public var knownHostsLine: String {
    let parts = hostPublicKey.split(separator: " ")
    return "[127.0.0.1]:\(port) \(parts[0]) \(parts[1])"
  }

  /// `ssh-keygen -lf` of the host key: `SHA256:…` (asked when the key is made, so reading it
  /// runs no process).
  public private(set) var hostKeyFingerprint = ""

  /// Replaces the host key (the server must be restarted to offer it).
  public func regenerateHostKey(type: String) throws {
    let key = directory.appendingPathComponent("host_key")
    try? FileManager.default.removeItem(at: key)
    try? FileManager.default.removeItem(at: key.appendingPathExtension("pub"))
    try Self.keygen(type: type, file: key, passphrase: "")
    hostKeyType = type
    hostPublicKey = try String(contentsOf: key.appendingPathExtension("pub"), encoding: .utf8)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let listed = Self.output(["/usr/bin/ssh-keygen", "-lf", key.appendingPathExtension("pub").path])
    hostKeyFingerprint = listed.split(separator: " ").dropFirst().first.map(String.init) ?? ""
  }

  /// Starts sshd (again) on the same port.
  public func start() throws {
    try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
    var config = """
      Port \(port)
      ListenAddress 127.0.0.1
      HostKey \(directory.appendingPathComponent("host_key").path)
      PidFile \(directory.appendingPathComponent("sshd.pid").path)
      AuthorizedKeysFile \(directory.appendingPathComponent("authorized_keys").path)
      StrictModes no
      UsePAM no
      PasswordAuthentication no
      KbdInteractiveAuthentication no
      PubkeyAuthentication yes
      # libssh2 1.10 signs RSA user auth with ssh-rsa (SHA-1) only; OpenSSH >= 8.8 needs this to accept it.
      PubkeyAcceptedAlgorithms +ssh-rsa
      PermitRootLogin yes
      MaxStartups 100:30:200
      Subsystem sftp internal-sftp
      LogLevel \(logLevel)
      """
    // sshd runs each command through the account's login shell; bash started by sshd sources
    // ~/.bashrc unless SHLVL says it is nested, so without this every command would pay for this
    // machine's profile (pyenv's init: 0.1 CPU-s a command) and print whatever it prints. Sessions
    // carry the tests' root too, so `make test` finds a remote process a test left. (sshd takes
    // only its first SetEnv line.)
    var environment = ["SHLVL=1"]
    if let root = ProcessInfo.processInfo.environment[TemporaryDirectory.rootVariable], !root.isEmpty {
      environment.append("\(TemporaryDirectory.rootVariable)=\(root)")
    }
    config += "\nSetEnv " + environment.joined(separator: " ")
    let configFile = directory.appendingPathComponent("sshd_config")
    try config.write(to: configFile, atomically: true, encoding: .utf8)
    let log = directory.appendingPathComponent("sshd.log")
    let process = try SpawnedProcess([Self.sshdPath, "-D", "-e", "-f", configFile.path], log: log)
    self.process = process
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
      if !process.isRunning { break }
      if Self.canConnect(port: port) { return }
      usleep(20_000)
    }
    let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    throw ServerError.didNotStart(text)
  }

  /// Stops sshd and every connection it serves.
  public func stop() {
    guard let process else { return }
    killConnections()
    process.terminate()
    self.process = nil
  }

  /// Kills the per-connection sshd processes: every client sees its connection drop.
  public func killConnections() {
    guard let process else { return }
    for child in SpawnedProcess.children(of: process.pid) { kill(child, SIGKILL) }
  }

  /// Sends `signal` to the per-connection sshd processes (SIGSTOP: a peer that stops
  /// answering without closing the connection).
  public func signalConnections(_ signal: Int32) {
    guard let process else { return }
    for child in SpawnedProcess.children(of: process.pid) {
      for grandchild in SpawnedProcess.children(of: child) { kill(grandchild, signal) }
      kill(child, signal)
    }
  }

  /// An ssh_config with a `Host` block named `alias` for this server.
  public func writeSSHConfig(alias: String, identity: URL?, identitiesOnly: Bool = true) throws -> URL {
    var text = """
      # labrun test config; ssh -G refuses unknown options unless told to ignore them
      IgnoreUnknown UnknownOption
      Host other-host
        HostName 192.0.2.1
        User nobody

      Host \(alias) \(alias)-*
        HostName 127.0.0.1
        Port \(port)
        User \(user)
        IdentitiesOnly \(identitiesOnly ? "yes" : "no")
        UnknownOption whatever

      """
    if let identity { text += "  IdentityFile \(identity.path)\n" }
    let file = directory.appendingPathComponent("ssh_config-\(alias)")
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file
  }

  /// How a test's ssh_config reaches this server other than directly.
  public enum Route: Sendable {
    /// `ProxyJump NAME`, NAME being a Host block for `server`.
    case jump(through: LoopbackSSHServer, name: String)
    /// `ProxyCommand COMMAND` (tokens such as `%h %p` are expanded by the client).
    case command(String)
  }

  /// An ssh_config in which `alias` reaches this server through `route`, each server with its
  /// own ed25519 key (IdentitiesOnly). `extra` lines go into the alias's block.
  public func writeSSHConfig(alias: String, route: Route, extra: [String] = []) throws -> URL {
    func block(_ name: String, _ server: LoopbackSSHServer, _ lines: [String]) -> String {
      var text = "Host \(name)\n  HostName 127.0.0.1\n  Port \(server.port)\n  User \(server.user)\n"
      if let key = server.keys["ed25519"] { text += "  IdentityFile \(key.path)\n" }
      text += "  IdentitiesOnly yes\n"
      return text + lines.map { "  \($0)\n" }.joined()
    }
    var text = "# labrun test config: \(alias) behind a route\n"
    switch route {
    case .jump(let bastion, let name):
      text += block(alias, self, ["ProxyJump \(name)"] + extra)
      text += block(name, bastion, ["ProxyJump none"])
    case .command(let command):
      text += block(alias, self, ["ProxyCommand \(command)"] + extra)
    }
    let file = directory.appendingPathComponent("ssh_config-\(alias)-routed")
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file
  }

  /// Writes the client HOME's ~/.ssh/known_hosts with this server's key (optionally hashed),
  /// and those of `others` (jump hosts).
  public func trustInUserKnownHosts(hashed: Bool = false, others: [LoopbackSSHServer] = []) throws {
    let file = clientHome.appendingPathComponent(".ssh/known_hosts")
    let lines = ([self] + others).map { $0.knownHostsLine + "\n" }.joined()
    try lines.write(to: file, atomically: true, encoding: .utf8)
    if hashed {
      let result = Self.run(["/usr/bin/ssh-keygen", "-H", "-f", file.path])
      guard result.status == 0 else { throw ServerError.commandFailed("ssh-keygen -H", result.output) }
      try? FileManager.default.removeItem(atPath: file.path + ".old")
    }
  }

  // MARK: helpers

  /// ssh-keygen of a `type` key into `file`; `reused`: the process's one such pair
  /// (``GeneratedKeyPairs``), for the keys that take long to make and need not differ per server.
  static func keygen(type: String, file: URL, passphrase: String, reused: Bool = false) throws {
    let typeArguments = ["-t", type] + (type == "rsa" ? ["-b", "3072"] : [])
    if reused {
      try GeneratedKeyPairs.write(
        typeArguments: typeArguments, comment: "labrun-test", passphrase: passphrase, to: file)
      return
    }
    let arguments =
      ["/usr/bin/ssh-keygen", "-q"] + typeArguments + [
        "-N", passphrase, "-C", "labrun-test", "-f", file.path,
      ]
    guard FileManager.default.isExecutableFile(atPath: arguments[0]) else {
      throw ServerError.missingTool(arguments[0])
    }
    let result = run(arguments)
    guard result.status == 0 else { throw ServerError.commandFailed("ssh-keygen", result.output) }
  }

  /// Runs a program and returns its exit status and combined output.
  public static func run(_ arguments: [String], environment: [String: String]? = nil) -> (
    status: Int32, output: String
  ) {
    SpawnedProcess.run(arguments, environment: environment)
  }

  static func output(_ arguments: [String]) -> String {
    run(arguments).output.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The ports of this process's servers, from creation to deinit: a test that stops its sshd
  /// and starts it again on the same port (a changed host key) keeps that port while it is
  /// down, so the servers of tests running beside it never take it.
  private static let reservedPorts = Mutex<Set<Int>>([])

  /// A free loopback port no other server of this process holds, reserved for the caller.
  static func reservePort() throws -> Int {
    for _ in 0..<100 {
      let port = try freePort()
      if reservedPorts.withLock({ $0.insert(port).inserted }) { return port }
    }
    throw ServerError.didNotStart("no free port that another test's sshd does not hold")
  }

  static func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
      }
    }
    guard bound else { throw ServerError.didNotStart("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  static func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
  }
}
