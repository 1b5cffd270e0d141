import Crypto
import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

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
