import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

/// ProxyJump and ProxyCommand against real sshds on loopback: a bastion (logging at DEBUG1, so
/// its log shows each direct-tcpip request) and a target.
@Suite(.serialized) struct JumpHostTests {
  @Test func connectsThroughTheBastionAndRecordsBothKeys() async throws {
    let fixture = try await SSHFixture.start(route: .jump)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let output = try await transport.run(RemoteCommand("echo behind-bastion"))
    #expect(output.stdoutText == "behind-bastion\n")
    let target = await transport.target
    #expect(target.hostKey == fixture.server.hostKeyFingerprint)
    let jumps = try #require(target.jumpHosts)
    #expect(jumps.count == 1)
    #expect(jumps.first?.name == "bastion")
    #expect(jumps.first?.hostKey == fixture.bastion?.hostKeyFingerprint)
    #expect(jumps.first?.port == fixture.bastion?.port)
    await transport.close()
    let log = fixture.bastion?.log ?? ""
    #expect(
      log.contains("target 127.0.0.1 port \(fixture.server.port)"),
      "the bastion's log must show the direct-tcpip request to the target: \(log.suffix(2000))")
  }

  @Test func unknownBastionKeyIsRefusedThenAcceptedAndRemembered() async throws {
    let fixture = try await SSHFixture.start(route: .jump)
    defer { fixture.stop() }
    let bastion = try #require(fixture.bastion)
    try fixture.server.trustInUserKnownHosts()
    let refused = await #expect(throws: SSHError.self) {
      _ = try await SSHTransportFactory.open(
        host: fixture.host, options: fixture.options(config: fixture.config))
    }
    guard case .hostKeyUnknown(let host, let fingerprint, _) = refused else {
      Issue.record("expected hostKeyUnknown, got \(String(describing: refused))")
      return
    }
    #expect(fingerprint == bastion.hostKeyFingerprint)
    #expect(host.contains("jump host bastion"), "\(host)")
    #expect(!bastion.log.contains("target 127.0.0.1"), "nothing may be forwarded past an unverified bastion")

    let accepted = try await SSHTransportFactory.open(
      host: fixture.host, options: fixture.options(accept: true, config: fixture.config))
    #expect(try await accepted.run(RemoteCommand("true")).exitStatus == 0)
    await accepted.close()
    let remembered = try String(contentsOf: fixture.state.knownHostsFile, encoding: .utf8)
    #expect(remembered.contains("[127.0.0.1]:\(bastion.port) ssh-ed25519 "))
    #expect(!remembered.contains("[127.0.0.1]:\(fixture.server.port) "), "the target's key was already known")
  }

  @Test func changedBastionKeyIsAlwaysRefused() async throws {
    let fixture = try await SSHFixture.start(route: .jump)
    defer { fixture.stop() }
    let bastion = try #require(fixture.bastion)
    try fixture.server.trustInUserKnownHosts(others: [bastion])
    let old = bastion.hostKeyFingerprint
    bastion.stop()
    try bastion.regenerateHostKey(type: "ed25519")
    try await BlockingWork.run { try bastion.start() }
    for accept in [false, true] {
      let error = await #expect(throws: SSHError.self) {
        _ = try await SSHTransportFactory.open(
          host: fixture.host, options: fixture.options(accept: accept, config: fixture.config))
      }
      let text = error.map { "\($0)" } ?? ""
      #expect(text.contains("changed"), "\(text)")
      #expect(text.contains(old))
      #expect(text.contains(bastion.hostKeyFingerprint))
      #expect(text.contains("jump host bastion"))
    }
  }

  /// Two jump hosts: each hop is tunnelled through the one before it, and each logs the
  /// request for the next.
  @Test func chainOfTwoJumpHosts() async throws {
    let target = try await LoopbackSSHServer.start()
    let first = try await LoopbackSSHServer.start(logLevel: "DEBUG1")
    let second = try await LoopbackSSHServer.start(logLevel: "DEBUG1")
    defer {
      target.stop()
      first.stop()
      second.stop()
    }
    try target.trustInUserKnownHosts(others: [first, second])
    func block(_ name: String, _ server: LoopbackSSHServer, _ extra: String) -> String {
      "Host \(name)\n  HostName 127.0.0.1\n  Port \(server.port)\n  User \(server.user)\n"
        + "  IdentityFile \(server.keys["ed25519"]?.path ?? "")\n  IdentitiesOnly yes\n\(extra)"
    }
    let config = target.directory.appendingPathComponent("chain_config")
    try
      (block("gpu-far", target, "  ProxyJump hop-one,hop-two\n") + block("hop-one", first, "")
      + block("hop-two", second, "  ProxyJump 127.0.0.1:1\n")
      + "Host *\n  ProxyJump none\n").write(to: config, atomically: true, encoding: .utf8)
    let state = StateDirectory(root: target.directory.appendingPathComponent("state"))
    let options = ConnectionOptions(
      sshConfigFile: config.path, state: state,
      environment: ["HOME": target.clientHome.path, "USER": target.user])
    let transport = try await SSHTransportFactory.open(host: "gpu-far", options: options)
    #expect(try await transport.run(RemoteCommand("echo far")).stdoutText == "far\n")
    let info = await transport.target
    #expect(info.jumpHosts?.map(\.name) == ["hop-one", "hop-two"])
    #expect(info.jumpHosts?.map(\.hostKey) == [first.hostKeyFingerprint, second.hostKeyFingerprint])
    await transport.close()
    #expect(first.log.contains("target 127.0.0.1 port \(second.port)"), "\(first.log.suffix(1500))")
    #expect(second.log.contains("target 127.0.0.1 port \(target.port)"), "\(second.log.suffix(1500))")
  }

  @Test func bastionThatCannotReachTheTargetIsNamed() async throws {
    let fixture = try await SSHFixture.start(route: .jump)
    defer { fixture.stop() }
    try fixture.server.trustInUserKnownHosts(others: fixture.bastion.map { [$0] } ?? [])
    fixture.server.stop()
    let error = await #expect(throws: SSHError.self) {
      _ = try await SSHTransportFactory.open(
        host: fixture.host, options: fixture.options(config: fixture.config))
    }
    guard case .jumpFailed(let jumpHost, let to, _) = error else {
      Issue.record("expected jumpFailed, got \(String(describing: error))")
      return
    }
    #expect(jumpHost == "bastion")
    #expect(to == "[127.0.0.1]:\(fixture.server.port)")
  }

  @Test func droppedBastionConnectionIsReportedAndTheRouteReopened() async throws {
    let fixture = try await SSHFixture.start(route: .jump)
    let marker = fixture.server.directory.appendingPathComponent("started")
    defer {
      killRecordedProcess(marker)
      fixture.stop()
    }
    let bastion = try #require(fixture.bastion)
    let transport = try await fixture.transport()
    let running = Task {
      try await transport.run(RemoteCommand("echo $$ > \(ShellQuote.quote(marker.path)); exec sleep 60"))
    }
    try await waitForFile(marker.path)
    bastion.killConnections()
    let result = await running.result
    guard case .failure(let error) = result, case .connectionLost(_, let detail) = error as? TransportError
    else {
      Issue.record("expected connectionLost, got \(result)")
      return
    }
    #expect(detail.contains("jump host bastion"), "the message says where the route broke: \(detail)")
    #expect(try await transport.run(RemoteCommand("echo again")).stdoutText == "again\n")
    #expect(await transport.connectionCount == 2)
    await transport.close()
  }

  /// ServerAliveInterval is honoured on a connection through a jump host: the target sees
  /// keepalives while labrun is idle.
  @Test func keepalivesReachTheTargetThroughTheBastion() async throws {
    let server = try await LoopbackSSHServer.start(logLevel: "DEBUG1")
    let bastion = try await LoopbackSSHServer.start()
    defer {
      server.stop()
      bastion.stop()
    }
    try server.trustInUserKnownHosts(others: [bastion])
    let config = try server.writeSSHConfig(
      alias: "gpu-vm", route: .jump(through: bastion, name: "bastion"), extra: ["ServerAliveInterval 1"])
    let state = StateDirectory(root: server.directory.appendingPathComponent("state"))
    let transport = try await SSHTransportFactory.open(
      host: "gpu-vm",
      options: ConnectionOptions(
        sshConfigFile: config.path, state: state,
        environment: ["HOME": server.clientHome.path, "USER": server.user]))
    #expect(await transport.destination.keepaliveInterval == 1)
    // One a second while idle; without ServerAliveInterval there would be none for 30 s.
    let before = server.log.components(separatedBy: "keepalive@libssh2.org").count
    var seen = 0
    for _ in 0..<150 where seen < 3 {
      try await Task.sleep(for: .milliseconds(100))
      seen = server.log.components(separatedBy: "keepalive@libssh2.org").count - before
    }
    #expect(seen >= 3, "keepalives seen by the target within 15 s: \(seen)")
    await transport.close()
  }

  @Test func proxyCommandCarriesTheSessionAndIsStoppedAfterwards() async throws {
    let fixture = try await SSHFixture.start(route: .proxyCommand)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    #expect(try await transport.run(RemoteCommand("echo via-proxy")).stdoutText == "via-proxy\n")
    #expect(proxyProcesses(port: fixture.server.port).count == 1, "the ProxyCommand runs while connected")
    await transport.close()
    #expect(proxyProcesses(port: fixture.server.port).isEmpty, "the ProxyCommand must be stopped")
  }

  @Test func failingProxyCommandIsReported() async throws {
    let server = try await LoopbackSSHServer.start()
    defer { server.stop() }
    try server.trustInUserKnownHosts()
    let config = try server.writeSSHConfig(alias: "gpu-vm", route: .command("sh -c 'exit 7'"))
    let state = StateDirectory(root: server.directory.appendingPathComponent("state"))
    let error = await #expect(throws: SSHError.self) {
      _ = try await SSHTransportFactory.open(
        host: "gpu-vm",
        options: ConnectionOptions(
          sshConfigFile: config.path, state: state,
          environment: ["HOME": server.clientHome.path, "USER": server.user])
      )
    }
    #expect("\(error.map { "\($0)" } ?? "")".contains("exited with status 7"), "\(String(describing: error))")
  }
}

/// Running `nc` processes connected to `port` (the test ProxyCommand), from /proc.
func proxyProcesses(port: Int) -> [String] {
  let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
  return entries.compactMap { name -> String? in
    guard Int(name) != nil, let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else {
      return nil
    }
    let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    guard arguments.first.map({ $0.hasSuffix("nc") }) == true, arguments.last == String(port) else {
      return nil
    }
    if let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].hasPrefix(" Z")
    {
      return nil
    }
    return name
  }
}
