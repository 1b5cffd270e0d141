import ArgumentParser
import Foundation
import LabPipeline
import Targets

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The wiring from the command line to a fleet (``FleetLifecycle``): its progress display and
/// its page; which hosts it is (``Targets/TargetSelection``) and what each does are the
/// libraries' business.
extension LabSession {
  /// A fleet command: `body` runs the engine over `hosts` while the board (or prefixed lines)
  /// shows each host's progress; then the fleet page goes to standard output and the
  /// command ends with the fleet's exit status.
  func runFleet(
    _ hosts: [FleetLifecycle.Host],
    _ body: @Sendable (FleetLifecycle) async throws -> (FleetDirectory, FleetPage)
  ) async throws {
    let live = isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb"
    let display = FleetProgressPrinter(
      hosts: hosts.map(\.target), live: live, redactor: redactor,
      width: { ProgressPrinter.terminalColumns() },
      sink: { FileHandle.standardError.write(Data($0.utf8)) })
    let ticker = Task {
      while live {
        do { try await Task.sleep(for: .seconds(1)) } catch { return }
        display.redraw()
      }
    }
    defer { ticker.cancel() }
    let fleet = FleetLifecycle(store: store, redactor: redactor, note: printer.info) { host in
      display.handler(for: host)
    }
    let (directory, page) = try await body(fleet)
    ticker.cancel()
    await ticker.value
    for result in page.hosts { display.finished(result.host, outcome: result.outcome.label) }
    // The board is final: the lines below must not be drawn over (a late tick once did).
    display.stop()
    printer.info(
      "fleet \(directory.id): page written to \(directory.directory.appendingPathComponent("fleet.md").path)")
    StandardOutput.write(page.markdown())
    if page.recap.exitStatus != 0 { throw ExitCode(page.recap.exitStatus) }
  }

  /// Opens one host of a fleet as `arguments` would open it alone.
  func hostOpener(_ arguments: TargetArguments, lab: LoadedLab? = nil)
    -> @Sendable (FleetLifecycle.Host) -> TargetOpener
  {
    { [self] host in opener(arguments.single(host.target), lab: lab) }
  }

  /// `labrun report --fleet ID`: the fleet's page from its record and its hosts' runs.
  func fleetPage(_ id: String) async throws -> FleetPage {
    try await FleetLifecycle(store: store, redactor: redactor) { _ in { _ in } }
      .page(fleet: id, loadLab: labLoader)
  }

  /// `labrun report --hosts FILE`: the page of the newest fleet of exactly those hosts.
  func fleetPage(hostsFile: String) async throws -> FleetPage {
    let hosts = try TargetSelection(hosts: [], hostsFile: hostsFile).fleet() ?? []
    return try await FleetLifecycle(store: store, redactor: redactor) { _ in { _ in } }
      .page(hosts: hosts, loadLab: labLoader)
  }
}

extension TargetArguments {
  /// These arguments for one host of a fleet.
  func single(_ host: String) -> TargetArguments {
    var copy = self
    copy.hosts = [host]
    copy.hostsFile = nil
    return copy
  }
}
