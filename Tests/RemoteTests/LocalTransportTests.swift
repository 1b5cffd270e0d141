import Foundation
import LabPipeline
import Remote
import TestSupport
import Testing

@Suite struct LocalTransportTests {
  let transport = LocalTransport()

  @Test(arguments: [(0, Int32(0)), (3, 3), (255, 255)])
  func reportsExitStatus(code: Int, expected: Int32) async throws {
    let output = try await transport.run(RemoteCommand("echo out; echo err >&2; exit \(code)"))
    #expect(output.exitStatus == expected)
    #expect(output.stdoutText == "out\n")
    #expect(output.stderrText == "err\n")
  }

  @Test func signalIsReportedAs128PlusN() async throws {
    let output = try await transport.run(RemoteCommand("kill -9 $$"))
    #expect(output.exitStatus == 128 + 9)
  }

  @Test func drainsTwentyMiBOnBothStreamsWithoutDeadlock() async throws {
    let size = 20 * 1024 * 1024
    let script = "head -c \(size) /dev/zero; head -c \(size) /dev/zero | tr '\\0' 'e' >&2"
    let output = try await transport.run(RemoteCommand(script, timeout: .seconds(120)))
    #expect(output.exitStatus == 0)
    #expect(output.stdout.count == size)
    #expect(output.stderr.count == size)
    #expect(output.stdout.allSatisfy { $0 == 0 })
    #expect(output.stderr.allSatisfy { $0 == UInt8(ascii: "e") })
  }

  @Test func keepsRawBytes() async throws {
    let output = try await transport.run(RemoteCommand("printf '\\377\\376\\000abc'"))
    #expect(output.stdout == [0xFF, 0xFE, 0x00, 0x61, 0x62, 0x63])
  }

  @Test func passesStdin() async throws {
    let output = try await transport.run(RemoteCommand("cat", stdin: Array("line one\nline two".utf8)))
    #expect(output.stdoutText == "line one\nline two")
  }

  @Test func timeoutKillsTheWholeProcessGroup() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let pidFile = ShellQuote.quote(directory.appending("background.pid").path)
    let clock = ContinuousClock()
    let start = clock.now
    await #expect(throws: TransportError.self) {
      // A background child that would outlive the command by minutes, had the group survived;
      // the command times out only once the child has said who it is.
      _ = try await transport.run(
        RemoteCommand(
          "sh -c 'echo $$ > \(pidFile).new && mv \(pidFile).new \(pidFile) && exec sleep 600' & "
            + "while [ ! -s \(pidFile) ]; do sleep 0.05; done; sleep 600",
          timeout: .seconds(3)))
    }
    // Far short of the command's 600 s (loose: a loaded machine delayed the kill by 17 s).
    #expect(clock.now - start < .seconds(300))
    let text = try String(contentsOf: directory.appending("background.pid"), encoding: .utf8)
    let child = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), "pid file: \(text)")
    // The group's kill reaches the background child too: it is gone (or a zombie nobody has
    // reaped yet) at once, not after its 600 s.
    let deadline = clock.now + .seconds(60)
    while Self.isAlive(child), clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    #expect(!Self.isAlive(child), "the background child \(child) outlived its command's process group")
  }

  /// Whether `pid` is a process that has not exited (a zombie has).
  static func isAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
  }

  @Test func timeoutErrorNamesTheCommand() async throws {
    do {
      _ = try await transport.run(RemoteCommand("sleep 30", timeout: .milliseconds(200)))
      Issue.record("expected a timeout")
    } catch let error as TransportError {
      guard case .timedOut(let command, let after) = error else {
        Issue.record("expected timedOut, got \(error)")
        return
      }
      #expect(command == "sleep 30")
      #expect(after == .milliseconds(200))
    }
  }

  @Test func cancellationStopsTheCommand() async throws {
    let clock = ContinuousClock()
    let start = clock.now
    let task = Task { try await transport.run(RemoteCommand("sleep 1000")) }
    try await Task.sleep(for: .milliseconds(300))
    task.cancel()
    do {
      _ = try await task.value
      Issue.record("expected cancellation")
    } catch let error as TransportError {
      #expect(error == .cancelled(command: "sleep 1000"))
    }
    // Far short of the 1000 s sleep (loose: a loaded machine delayed this test by 100 s).
    #expect(clock.now - start < .seconds(300))
  }

  @Test func privilegedRunsAsRoot() async throws {
    // As root the command runs directly; otherwise through `sudo -n`, which must not prompt.
    let output = try await transport.run(RemoteCommand("id -u", privileged: true, timeout: .seconds(20)))
    if getuid() == 0 {
      #expect(output.stdoutText == "0\n")
    } else {
      #expect(output.exitStatus == 0 ? output.stdoutText == "0\n" : output.stderrText.contains("sudo"))
    }
  }

  @Test func uploadAndDownloadCopyFiles() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let source = directory.appending("source.bin")
    let bytes = Data((0..<100_000).map { UInt8($0 % 251) })
    try bytes.write(to: source)
    let remote = directory.appending("remote/uploaded.bin").path
    try await transport.upload(source, to: remote)
    #expect(try Data(contentsOf: URL(fileURLWithPath: remote)) == bytes)
    let back = directory.appending("back.bin")
    try await transport.download(remote, to: back)
    #expect(try Data(contentsOf: back) == bytes)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
      $0.hasSuffix(".tmp")
    }
    #expect(leftovers.isEmpty)
    await #expect(throws: TransportError.self) {
      try await transport.download(directory.appending("missing").path, to: back)
    }
  }

  @Test func targetIsLocal() async {
    let target = await transport.target
    #expect(target.kind == .local)
    #expect(target.name == "local")
  }
}
