import Crypto
import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

/// The transport over each route (direct, jump host, ProxyCommand): commands, streams, SFTP,
/// keepalives, failures.
extension SSHTransportTests {
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

  @Test(.serialized, arguments: TestRoute.allCases)
  func drainsTwentyMebibytesOnBothStreams(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let file = fixture.server.directory.appendingPathComponent("random")
    let bytes = await PseudoRandomBytes.make(count: 20 << 20, seed: 20)
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
  @Test(.serialized, arguments: TestRoute.allCases)
  func concurrentBulkSendsStayIntact(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let source = fixture.server.directory.appendingPathComponent("concurrent-source")
    let payload = await PseudoRandomBytes.make(count: 48 << 20, seed: 48)
    try Data(payload).write(to: source)
    let remote = fixture.server.directory.appendingPathComponent("concurrent-copy")
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await transport.upload(source, to: remote.path) }
      for index in 0..<6 {
        group.addTask {
          let input = await PseudoRandomBytes.make(count: 3 << 20, seed: UInt64(index))
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

  @Test(.serialized, arguments: TestRoute.allCases)
  func sftpMovesOneHundredMebibytesBothWays(route: TestRoute) async throws {
    let fixture = try await SSHFixture.start(route: route)
    defer { fixture.stop() }
    let transport = try await fixture.transport()
    let source = fixture.server.directory.appendingPathComponent("upload-source")
    let bytes = await PseudoRandomBytes.make(count: 100 << 20, seed: 100)
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
