import Crypto
import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

/// Side by side: a test that restarts its sshd on the port it had (a host key that changed)
/// keeps that port reserved while the server is down (``LoopbackSSHServer``), so another test's
/// sshd cannot take it in between. The tests that assert how long labrun took are a serialized
/// suite of their own (SSHTransportBoundsTests).
@Suite struct SSHTransportTests {
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
}
