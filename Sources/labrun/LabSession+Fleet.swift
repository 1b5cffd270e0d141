import ArgumentParser
import Foundation
import LabPipeline
import Targets

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The wiring from the command line to a fleet (``FleetLifecycle``): its hosts, its progress
/// display and its page; the policy is the engine's.
extension LabSession {
  /// The fleet `--host` (repeated) and `--hosts FILE` name, checked whole before anything
  /// starts; nil for one host.
  func fleetHosts(_ arguments: TargetArguments) throws -> [FleetLifecycle.Host]? {
    guard arguments.hosts.count > 1 || arguments.hostsFile != nil else { return nil }
    var hosts = try arguments.hosts.map { FleetLifecycle.Host(target: try TargetSpec(parsing: $0)) }
    if let file = arguments.hostsFile {
      hosts += try HostsFile(contentsOf: URL(fileURLWithPath: file)).entries.map {
        FleetLifecycle.Host(target: $0.target, parameters: $0.parameterArguments)
      }
    }
    var seen = Set<String>()
    for host in hosts where !seen.insert(host.target).inserted {
      throw ValidationError("\(host.target) is named twice (--host and --hosts); list each host once")
    }
    return hosts
  }

  /// `labrun run` over a fleet: prints the fleet page and ends with the fleet's exit status.
  func runFleet(
    _ hosts: [FleetLifecycle.Host], lab arguments: LabArguments, target: TargetArguments,
    options: LifecycleOptions, parallel: Int
  ) async throws {
    let (lab, _) = try loadLab(arguments)
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
    let (directory, page) = try await fleet.run(
      lab, hosts: hosts, overrides: arguments.parameters, options: options, parallel: parallel
    ) { host in opener(target.single(host.target), lab: lab) }
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
}

extension LabSession {
  /// `labrun report --fleet ID`: the fleet's page from its record and its hosts' runs.
  func fleetPage(_ id: String) async throws -> FleetPage {
    do {
      return try await FleetLifecycle(store: store, redactor: redactor) { _ in { _ in } }
        .page(fleet: id, loadLab: labLoader)
    } catch {
      throw failure(error)
    }
  }
}

extension FleetLifecycle.Host {
  init(target spec: TargetSpec, parameters: [String] = []) {
    var simulated = false
    if case .simulated = spec.kind { simulated = true }
    self.init(target: spec.name, parameters: parameters, simulated: simulated)
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
