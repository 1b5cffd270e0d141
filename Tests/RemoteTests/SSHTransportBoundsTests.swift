import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

/// The transport's bounds over each route (direct, jump host, ProxyCommand): a command past its
/// timeout, a cancelled command, a dropped connection (a host that stops answering is
/// SSHTransportUnresponsiveTests, a chain of its own). Each test
/// asserts how long labrun took, so they run one at a time, apart from the rest of
/// SSHTransportTests (which runs side by side).
@Suite(.serialized) struct SSHTransportBoundsTests {
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
        RemoteCommand("echo $$ > \(ShellQuote.quote(pidFile.path)); exec sleep 300", timeout: .seconds(3)))
    }
    #expect(clock.now - start < .seconds(20))
    guard case .timedOut(_, let after) = error else {
      Issue.record("expected timedOut, got \(String(describing: error))")
      return
    }
    #expect(after == .seconds(3))
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
}
