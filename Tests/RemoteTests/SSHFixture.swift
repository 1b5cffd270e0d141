import Crypto
import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

/// How a test reaches its sshd: directly, through a jump host (ProxyJump), or through a
/// ProxyCommand (netcat).
enum TestRoute: String, CaseIterable, Sendable {
  case direct, jump, proxyCommand
}

/// A loopback sshd plus a client environment (fake HOME, labrun state dir) for one test, and
/// for the routed cases a bastion sshd (logging at DEBUG1) or a netcat ProxyCommand.
struct SSHFixture {
  let server: LoopbackSSHServer
  let bastion: LoopbackSSHServer?
  let state: StateDirectory
  let route: TestRoute
  /// The ssh_config for the routed cases (alias `gpu-vm`).
  let config: URL?

  /// Starts the servers off Swift's cooperative pool (key generation blocks for seconds).
  static func start(hostKeyType: String = "ed25519", route: TestRoute = .direct) async throws -> SSHFixture {
    let server = try await LoopbackSSHServer.start(hostKeyType: hostKeyType)
    let bastion = route == .jump ? try await LoopbackSSHServer.start(logLevel: "DEBUG1") : nil
    return try SSHFixture(server: server, bastion: bastion, route: route)
  }

  private init(server: LoopbackSSHServer, bastion: LoopbackSSHServer?, route: TestRoute) throws {
    self.server = server
    self.bastion = bastion
    state = StateDirectory(root: server.directory.appendingPathComponent("state"))
    self.route = route
    switch route {
    case .direct:
      config = nil
    case .jump:
      guard let bastion else { throw LoopbackSSHServer.ServerError.didNotStart("no bastion") }
      config = try server.writeSSHConfig(
        alias: "gpu-vm", route: .jump(through: bastion, name: "bastion"), extra: Self.keepalive)
    case .proxyCommand:
      guard let netcat = ["/usr/bin/nc", "/bin/nc"].first(where: FileManager.default.isExecutableFile) else {
        throw LoopbackSSHServer.ServerError.missingTool("nc (netcat-openbsd; `make deps` installs it)")
      }
      config = try server.writeSSHConfig(
        alias: "gpu-vm", route: .command("\(netcat) %h %p"), extra: Self.keepalive)
    }
  }

  /// Keepalives every 2 s on routed connections: a dropped connection behind a ProxyCommand is
  /// noticed by their silence (10 s, generous for a loaded machine), and every bulk test runs
  /// with keepalives interleaved.
  static let keepalive = ["ServerAliveInterval 2", "ServerAliveCountMax 5"]

  var environment: [String: String] {
    [
      "HOME": server.clientHome.path, "USER": server.user,
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "",
    ]
  }

  /// `user@127.0.0.1:PORT` directly, else the alias of the routed config.
  var host: String { route == .direct ? "\(server.user)@127.0.0.1:\(server.port)" : "gpu-vm" }

  func options(
    identity: URL? = nil, accept: Bool = false, environment extra: [String: String] = [:], config: URL? = nil
  ) -> ConnectionOptions {
    ConnectionOptions(
      sshConfigFile: config?.path, identityFile: identity?.path, acceptNewHostKey: accept, state: state,
      environment: environment.merging(extra) { $1 })
  }

  /// A connected transport that trusts the server (and the bastion) and uses the ed25519 key,
  /// over the fixture's route.
  /// `stopBounds`: how long stopping a command may take at each stage (labrun's own by default).
  func transport(stopBounds: StopBounds = .standard) async throws -> SSHTransport {
    try server.trustInUserKnownHosts(others: bastion.map { [$0] } ?? [])
    var options = route == .direct ? options(identity: server.keys["ed25519"]) : options(config: config)
    options.stopBounds = stopBounds
    return try await SSHTransportFactory.open(host: host, options: options)
  }

  func stop() {
    server.stop()
    bastion?.stop()
  }
}

/// True once `pid` no longer runs (gone, or a zombie awaiting its reaper); waits up to 5 s.
func processIsGone(_ pid: String) async -> Bool {
  for _ in 0..<500 {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    if let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].hasPrefix(" Z") { return true }
    try? await Task.sleep(for: .milliseconds(10))
  }
  return false
}

/// Kills the remote command whose pid it wrote to `file`: a command whose sshd session the
/// test killed or froze outlives it, and must not be left running.
func killRecordedProcess(_ file: URL) {
  guard let text = try? String(contentsOf: file, encoding: .utf8),
    let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
  else { return }
  kill(pid, SIGKILL)
}

/// Waits (without blocking a thread) up to 5 s for `path` to exist.
func waitForFile(_ path: String) async throws {
  for _ in 0..<500 where !FileManager.default.fileExists(atPath: path) {
    try await Task.sleep(for: .milliseconds(10))
  }
}
