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
  func transport() async throws -> SSHTransport {
    try server.trustInUserKnownHosts(others: bastion.map { [$0] } ?? [])
    if route == .direct {
      return try await SSHTransportFactory.open(
        host: host, options: options(identity: server.keys["ed25519"]))
    }
    return try await SSHTransportFactory.open(host: host, options: options(config: config))
  }

  func stop() {
    server.stop()
    bastion?.stop()
  }
}

@Suite(.serialized) struct SSHTransportTests {
  @Test(arguments: ["ed25519", "ecdsa", "rsa"])
  func authenticatesWithKeyType(type: String) async throws {
    let fixture = try await SSHFixture.start()
    defer { fixture.server.stop() }
    try fixture.server.trustInUserKnownHosts()
    let transport = try await SSHTransportFactory.open(
      host: fixture.host, options: fixture.options(identity: fixture.server.keys[type]))
    let output = try await transport.run(RemoteCommand("echo hello-$((40+2))"))
    #expect(output.stdoutText == "hello-42\n")
    #expect(output.exitStatus == 0)
    await transport.close()
  }

  @Test func defaultKeyInHomeIsUsed() async throws {
    let fixture = try await SSHFixture.start()
    defer { fixture.server.stop() }
    try fixture.server.trustInUserKnownHosts()
    let source = try #require(fixture.server.keys["ecdsa"])
    try FileManager.default.copyItem(
      at: source, to: fixture.server.clientHome.appendingPathComponent(".ssh/id_ecdsa"))
    let transport = try await SSHTransportFactory.open(host: fixture.host, options: fixture.options())
    #expect(try await transport.run(RemoteCommand("true")).exitStatus == 0)
    await transport.close()
  }

  @Test func encryptedKeyUsesPassphraseFromEnvironment() async throws {
    let fixture = try await SSHFixture.start()
    defer { fixture.server.stop() }
    try fixture.server.trustInUserKnownHosts()
    let withPassphrase = fixture.options(
      identity: fixture.server.encryptedKey,
      environment: ["LABRUN_KEY_PASSPHRASE": fixture.server.encryptedKeyPassphrase])
    let transport = try await SSHTransportFactory.open(host: fixture.host, options: withPassphrase)
    #expect(try await transport.run(RemoteCommand("echo ok")).stdoutText == "ok\n")
    await transport.close()

    let error = await #expect(throws: SSHError.self) {
      _ = try await SSHTransportFactory.open(
        host: fixture.host, options: fixture.options(identity: fixture.server.encryptedKey))
    }
    #expect("\(error.map { "\($0)" } ?? "")".contains("LABRUN_KEY_PASSPHRASE"))

    let wrong = await #expect(throws: SSHError.self) {
      _ = try await SSHTransportFactory.open(
        host: fixture.host,
        options: fixture.options(
          identity: fixture.server.encryptedKey, environment: ["LABRUN_KEY_PASSPHRASE": "not it"]))
    }
    #expect("\(wrong.map { "\($0)" } ?? "")".contains("wrong passphrase"))
  }

  @Test func authenticatesThroughSSHAgent() async throws {
    let fixture = try await SSHFixture.start()
    defer { fixture.server.stop() }
    try fixture.server.trustInUserKnownHosts()
    let socket = fixture.server.directory.appendingPathComponent("agent.sock").path
    let agent = try SpawnedProcess(["/usr/bin/ssh-agent", "-D", "-a", socket])
    defer { agent.terminate(signal: SIGKILL) }
    try await waitForFile(socket)
    let added = await SpawnedProcess.completed(
      ["/usr/bin/ssh-add", try #require(fixture.server.keys["rsa"]).path],
      environment: ["SSH_AUTH_SOCK": socket])
    #expect(added.status == 0, "ssh-add: \(added.output)")
    let transport = try await SSHTransportFactory.open(
      host: fixture.host, options: fixture.options(environment: ["SSH_AUTH_SOCK": socket]))
    #expect(try await transport.run(RemoteCommand("echo agent")).stdoutText == "agent\n")
    await transport.close()
  }

  @Test func wrongKeyNamesEveryMethodTried() async throws {
    let fixture = try await SSHFixture.start()
    defer { fixture.server.stop() }
    try fixture.server.trustInUserKnownHosts()
    let error = await #expect(throws: SSHError.self) {
      _ = try await SSHTransportFactory.open(
        host: fixture.host,
        options: fixture.options(
          identity: fixture.server.unauthorizedKey, environment: ["SSH_AUTH_SOCK": "/nonexistent/agent.sock"])
      )
    }
    let text = error.map { "\($0)" } ?? ""
    #expect(text.contains("authentication as \(fixture.server.user)"))
    #expect(text.contains("ssh-agent at /nonexistent/agent.sock (cannot connect)"))
    #expect(text.contains("\(fixture.server.unauthorizedKey.path) (rejected by server)"))
  }

  @Test func unknownHostKeyIsRefusedThenAcceptedAndRemembered() async throws {
    let fixture = try await SSHFixture.start()
    defer { fixture.server.stop() }
    let identity = fixture.server.keys["ed25519"]
    let refused = await #expect(throws: SSHError.self) {
      _ = try await SSHTransportFactory.open(host: fixture.host, options: fixture.options(identity: identity))
    }
    guard case .hostKeyUnknown(_, let fingerprint, let type) = refused else {
      Issue.record("expected hostKeyUnknown, got \(String(describing: refused))")
      return
    }
    #expect(fingerprint == fixture.server.hostKeyFingerprint)
    #expect(type == "ssh-ed25519")
    #expect(!FileManager.default.fileExists(atPath: fixture.state.knownHostsFile.path))

    let accepted = try await SSHTransportFactory.open(
      host: fixture.host, options: fixture.options(identity: identity, accept: true))
    #expect(await accepted.target.hostKey == fixture.server.hostKeyFingerprint)
    await accepted.close()
    let remembered = try String(contentsOf: fixture.state.knownHostsFile, encoding: .utf8)
    #expect(remembered.contains("[127.0.0.1]:\(fixture.server.port) ssh-ed25519 "))
    let userFile = fixture.server.clientHome.appendingPathComponent(".ssh/known_hosts")
    #expect(
      !FileManager.default.fileExists(atPath: userFile.path), "the user's known_hosts must not be written")

    let again = try await SSHTransportFactory.open(
      host: fixture.host, options: fixture.options(identity: identity))
    #expect(try await again.run(RemoteCommand("true")).exitStatus == 0)
    await again.close()
  }

  @Test func changedHostKeyIsAlwaysRefusedShowingBothFingerprints() async throws {
    let fixture = try await SSHFixture.start()
    defer { fixture.server.stop() }
    try fixture.server.trustInUserKnownHosts()
    let oldFingerprint = fixture.server.hostKeyFingerprint
    fixture.server.stop()
    try fixture.server.regenerateHostKey(type: "ed25519")
    try await BlockingWork.run { try fixture.server.start() }
    let newFingerprint = fixture.server.hostKeyFingerprint
    #expect(oldFingerprint != newFingerprint)
    for accept in [false, true] {
      let error = await #expect(throws: SSHError.self) {
        _ = try await SSHTransportFactory.open(
          host: fixture.host,
          options: fixture.options(identity: fixture.server.keys["ed25519"], accept: accept))
      }
      let text = error.map { "\($0)" } ?? ""
      #expect(text.contains("changed"))
      #expect(text.contains(oldFingerprint))
      #expect(text.contains(newFingerprint))
    }
  }

  @Test func hashedKnownHostsEntryIsRecognised() async throws {
    let fixture = try await SSHFixture.start(hostKeyType: "ecdsa")
    defer { fixture.server.stop() }
    try fixture.server.trustInUserKnownHosts(hashed: true)
    let text = try String(
      contentsOf: fixture.server.clientHome.appendingPathComponent(".ssh/known_hosts"), encoding: .utf8)
    #expect(text.hasPrefix("|1|"))
    let transport = try await SSHTransportFactory.open(
      host: fixture.host, options: fixture.options(identity: fixture.server.keys["ed25519"]))
    #expect(await transport.target.hostKey == fixture.server.hostKeyFingerprint)
    await transport.close()
  }

  @Test func aliasResolvesThroughConfigFile() async throws {
    let fixture = try await SSHFixture.start()
    defer { fixture.server.stop() }
    try fixture.server.trustInUserKnownHosts()
    let config = try fixture.server.writeSSHConfig(alias: "gpu-vm", identity: fixture.server.keys["rsa"])
    let transport = try await SSHTransportFactory.open(
      host: "gpu-vm", options: fixture.options(config: config))
    let target = await transport.target
    #expect(target.address == "127.0.0.1")
    #expect(target.port == fixture.server.port)
    #expect(target.user == fixture.server.user)
    #expect(try await transport.run(RemoteCommand("echo via-alias")).stdoutText == "via-alias\n")
    await transport.close()

    let unknown = await #expect(throws: SSHError.self) {
      _ = try await SSHTransportFactory.open(host: "no-such-alias", options: fixture.options(config: config))
    }
    #expect("\(unknown.map { "\($0)" } ?? "")".contains("unknown host 'no-such-alias'"))
  }

  @Test(arguments: TestRoute.allCases)
  func reportsRealExitStatus(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    for status: Int32 in [0, 3, 255] {
      let output = try await transport.run(RemoteCommand("echo out; echo err >&2; exit \(status)"))
      #expect(output.exitStatus == status)
      #expect(output.stdoutText == "out\n")
      #expect(output.stderrText == "err\n")
    }
    await transport.close()
  }

  @Test(arguments: TestRoute.allCases)
  func drainsTwentyMebibytesOnBothStreams(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let file = fixture.server.directory.appendingPathComponent("random")
    var bytes = [UInt8](repeating: 0, count: 20 << 20)
    for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
    try Data(bytes).write(to: file)
    let path = ShellQuote.quote(file.path)
    let script =
      "i=0; while [ $i -lt 20 ]; do dd if=\(path) bs=1048576 skip=$i count=1 2>/dev/null; "
      + "dd if=\(path) bs=1048576 skip=$i count=1 >&2 2>/dev/null; i=$((i+1)); done"
    let output = try await transport.run(RemoteCommand(script, timeout: .seconds(120)))
    #expect(output.exitStatus == 0)
    #expect(output.stdout.count == bytes.count)
    #expect(output.stderr.count == bytes.count)
    #expect(SHA256.hash(data: output.stdout) == SHA256.hash(data: bytes))
    #expect(SHA256.hash(data: output.stderr) == SHA256.hash(data: bytes))
    await transport.close()
  }

  @Test(arguments: TestRoute.allCases)
  func arbitraryBytesRoundTrip(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let all = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    let out = try await transport.run(RemoteCommand("cat", stdin: all))
    #expect(out.stdout == all)
    let err = try await transport.run(RemoteCommand("cat >&2", stdin: all))
    #expect(err.stderr == all)
    #expect(err.stdout.isEmpty)
    await transport.close()
  }

  @Test(arguments: TestRoute.allCases)
  func hostileStringsArriveLiterally(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let directory = fixture.server.directory.appendingPathComponent("hostile")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for value in [
      "$(touch pwned)", "'; rm -rf ~'", "a\nb\n\nc", "ünï¢ødé ✓ 🚀", "`touch pwned`", "\"$HOME\" \\ *",
    ] {
      let script = "cd \(ShellQuote.quote(directory.path)) && printf '%s' \(ShellQuote.quote(value))"
      let output = try await transport.run(RemoteCommand(script))
      #expect(output.stdoutText == value)
      #expect(output.exitStatus == 0)
      let privileged = try await transport.run(RemoteCommand(script, privileged: true))
      #expect(privileged.stdoutText == value)
      #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
    await transport.close()
  }

  @Test(arguments: TestRoute.allCases)
  func commandPastItsTimeoutIsStoppedAndReported(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let pidFile = fixture.server.directory.appendingPathComponent("sleeper.pid")
    let clock = ContinuousClock()
    let start = clock.now
    let error = await #expect(throws: TransportError.self) {
      _ = try await transport.run(
        RemoteCommand("echo $$ > \(ShellQuote.quote(pidFile.path)); exec sleep 300", timeout: .seconds(1)))
    }
    #expect(clock.now - start < .seconds(20))
    guard case .timedOut(_, let after) = error else {
      Issue.record("expected timedOut, got \(String(describing: error))")
      return
    }
    #expect(after == .seconds(1))
    let pid = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(await processIsGone(pid), "the remote sleep \(pid) must be gone")
    #expect(try await transport.run(RemoteCommand("echo still-usable")).stdoutText == "still-usable\n")
    await transport.close()
  }

  @Test(arguments: TestRoute.allCases)
  func cancellationStopsTheRemoteCommand(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let pidFile = fixture.server.directory.appendingPathComponent("cancel.pid")
    let task = Task {
      try await transport.run(RemoteCommand("echo $$ > \(ShellQuote.quote(pidFile.path)); exec sleep 300"))
    }
    try await waitForFile(pidFile.path)
    task.cancel()
    let result = await task.result
    guard case .failure(let error) = result, case .cancelled = error as? TransportError else {
      Issue.record("expected cancelled, got \(result)")
      return
    }
    let pid = try String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(await processIsGone(pid), "the remote sleep \(pid) must be gone")
    await transport.close()
  }

  @Test(arguments: TestRoute.allCases)
  func droppedConnectionIsReportedAndTheNextCommandReconnects(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    let marker = fixture.server.directory.appendingPathComponent("started")
    defer {
      killRecordedProcess(marker)
      fixture.stop()
    }
    let transport = try await fixture.transport()
    let server = fixture.server
    let running = Task {
      try await transport.run(RemoteCommand("echo $$ > \(ShellQuote.quote(marker.path)); exec sleep 60"))
    }
    try await waitForFile(marker.path)
    server.killConnections()
    let result = await running.result
    guard case .failure(let error) = result, case .connectionLost(_, let detail) = error as? TransportError
    else {
      Issue.record("expected connectionLost, got \(result)")
      return
    }
    #expect(detail.contains("sleep 60"))
    let next = try await transport.run(RemoteCommand("echo reconnected"))
    #expect(next.stdoutText == "reconnected\n")
    #expect(await transport.connectionCount == 2)
    await transport.close()
  }

  /// A host that stops answering mid-command (its sshd frozen, the TCP connection still open)
  /// must not hang labrun: the timeout is reported within bounded time and the connection is
  /// replaced.
  @Test(arguments: TestRoute.allCases)
  func unresponsiveHostDoesNotHang(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    let marker = fixture.server.directory.appendingPathComponent("frozen")
    defer {
      fixture.server.signalConnections(SIGCONT)
      killRecordedProcess(marker)
      fixture.stop()
    }
    let transport = try await fixture.transport()
    let server = fixture.server
    let clock = ContinuousClock()
    let start = clock.now
    let running = Task {
      try await transport.run(
        RemoteCommand("echo $$ > \(ShellQuote.quote(marker.path)); exec sleep 300", timeout: .seconds(2)))
    }
    try await waitForFile(marker.path)
    server.signalConnections(SIGSTOP)
    let result = await running.result
    #expect(clock.now - start < .seconds(60))
    guard case .failure(let error) = result, case .timedOut = error as? TransportError else {
      Issue.record("expected timedOut, got \(result)")
      return
    }
    let next = try await transport.run(RemoteCommand("echo fresh", timeout: .seconds(30)))
    #expect(next.stdoutText == "fresh\n")
    #expect(await transport.connectionCount == 2)
    await transport.close()
  }

  /// More concurrent commands than sshd's default MaxSessions (10): they queue for channels.
  @Test(arguments: TestRoute.allCases)
  func manyCommandsShareOneConnection(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
      for index in 0..<24 {
        group.addTask {
          let output = try await transport.run(RemoteCommand("sleep 0.$((\(index) % 3)); echo \(index)"))
          return (index, output.stdoutText)
        }
      }
      return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }
    for index in 0..<24 { #expect(results[index] == "\(index)\n") }
    #expect(await transport.connectionCount == 1)
    await transport.close()
  }

  /// Bulk writes on several channels at once: an upload and commands fed megabytes on stdin.
  /// libssh2 holds one partly sent packet per session; interleaving sends would drop or
  /// duplicate data, which the digests would show.
  @Test(arguments: TestRoute.allCases)
  func concurrentBulkSendsStayIntact(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let source = fixture.server.directory.appendingPathComponent("concurrent-source")
    let payload = (0..<(48 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 11) }
    try Data(payload).write(to: source)
    let remote = fixture.server.directory.appendingPathComponent("concurrent-copy")
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await transport.upload(source, to: remote.path) }
      for index in 0..<6 {
        group.addTask {
          let input = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &+ index &* 31) }
          let output = try await transport.run(RemoteCommand("cat; cat /dev/null >&2", stdin: input))
          #expect(output.stdout.count == input.count)
          #expect(SHA256.hash(data: output.stdout) == SHA256.hash(data: input), "channel \(index)")
        }
      }
      try await group.waitForAll()
    }
    #expect(SHA256.hash(data: try Data(contentsOf: remote)) == SHA256.hash(data: payload))
    await transport.close()
  }

  @Test(arguments: TestRoute.allCases)
  func sftpMovesOneHundredMebibytesBothWays(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let source = fixture.server.directory.appendingPathComponent("upload-source")
    var bytes = [UInt8](repeating: 0, count: 100 << 20)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for index in bytes.indices {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
    }
    try Data(bytes).write(to: source)
    let expected = SHA256.hash(data: bytes)
    let remote = fixture.server.directory.appendingPathComponent("remote copy").path
    try await transport.upload(source, to: remote)
    #expect(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: remote))) == expected)
    // Uploading again replaces the file.
    try await transport.upload(source, to: remote)
    let back = fixture.server.directory.appendingPathComponent("downloaded")
    try await transport.download(remote, to: back)
    #expect(SHA256.hash(data: try Data(contentsOf: back)) == expected)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.server.directory.path)
      .filter { $0.contains(".labrun-") }
    #expect(leftovers.isEmpty)
    let missing = await #expect(throws: TransportError.self) {
      try await transport.download(
        "/nonexistent/file", to: fixture.server.directory.appendingPathComponent("x"))
    }
    #expect("\(missing.map { "\($0)" } ?? "")".contains("no such file"))
    #expect(
      !FileManager.default.fileExists(atPath: fixture.server.directory.appendingPathComponent("x").path))
    await transport.close()
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

/// Privileged commands over SSH as a user whose sudo wants a password.
@Suite(.serialized) struct SSHSudoTests {
  static let user = "labrun-nosudo"

  @Test func sudoThatWantsAPasswordIsAClearError() async throws {
    try #require(getuid() == 0, "this test creates a local user: run `make test` as root")
    try #require(
      FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo"),
      "sudo is missing: `make deps` installs it")
    if await SpawnedProcess.completed(["/usr/bin/id", Self.user]).status != 0 {
      let created = await SpawnedProcess.completed(["/usr/sbin/useradd", "-m", "-s", "/bin/sh", Self.user])
      try #require(created.status == 0, "useradd: \(created.output)")
    }
    // `*`: no password, but not a locked account (sshd refuses logins to locked accounts).
    let unlocked = await SpawnedProcess.completed(["/usr/sbin/usermod", "-p", "*", Self.user])
    try #require(unlocked.status == 0, "usermod: \(unlocked.output)")
    let fixture = try await SSHFixture.start()
    defer { fixture.server.stop() }
    try fixture.server.trustInUserKnownHosts()
    let transport = try await SSHTransportFactory.open(
      host: "\(Self.user)@127.0.0.1:\(fixture.server.port)",
      options: fixture.options(identity: fixture.server.keys["ed25519"]))
    let plain = try await transport.run(RemoteCommand("id -un"))
    #expect(plain.stdoutText == "\(Self.user)\n")
    let error = await #expect(throws: TransportError.self) {
      _ = try await transport.run(RemoteCommand("id -u", privileged: true))
    }
    #expect(error == .sudoNeedsPassword(host: "\(Self.user)@127.0.0.1:\(fixture.server.port)"))
    #expect("\(error.map { "\($0)" } ?? "")".contains("NOPASSWD"))
    await transport.close()
  }
}
