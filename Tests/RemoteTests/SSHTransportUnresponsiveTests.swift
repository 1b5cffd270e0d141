import Foundation
import LabPipeline
import Testing

@testable import Remote
@testable import TestSupport

/// A host that stops answering, over each route, the routes side by side. Stopping a command on
/// a frozen host spends each of labrun's stop bounds in turn (5 s + 15 s + 10 s, ``StopBounds``);
/// the test gives the transport shorter ones, so it proves the bounds end the wait without
/// spending labrun's own (one route at a time at those, the chain ended every full run 30 s
/// after everything else).
@Suite struct SSHTransportUnresponsiveTests {
  /// Short bounds, so the three cases wait 7 s each rather than 25 s.
  static let bounds = StopBounds(pidLine: .seconds(2), kill: .seconds(3), close: .seconds(2))

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
    let transport = try await fixture.transport(stopBounds: Self.bounds)
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
    // The command's 2 s, then the kill's and the close's bounds: 7 s here, yet a full run on this
    // loaded two-core machine took 20.2 s (each step waits its turn on the cooperative pool); the
    // bound is the one labrun's own 27 s always met, so what it proves is that nothing hangs.
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
