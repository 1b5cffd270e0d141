import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

/// A host that stops answering, over each route, the routes side by side: labrun's own bounds
/// for stopping a command on a frozen host make each case 15-20 s of waiting (not CPU), and
/// one route at a time, each case queued behind the whole suite's ready tests, the chain ended
/// every full run 30 s after everything else. Its bound (60 s) is far from those 20 s.
@Suite struct SSHTransportUnresponsiveTests {
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
    // Loose: a fresh-clone CI run on a loaded machine took past 30 s to log in again.
    let next = try await transport.run(RemoteCommand("echo fresh", timeout: .seconds(120)))
    #expect(next.stdoutText == "fresh\n")
    #expect(await transport.connectionCount == 2)
    await transport.close()
  }
}
