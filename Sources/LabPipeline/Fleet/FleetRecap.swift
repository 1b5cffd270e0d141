import Foundation

/// The fleet page's recap: how many hosts ended each way, and for real hosts how many
/// pages are VALIDATED, FAILED or INCOMPLETE.
public struct FleetRecap: Sendable, Hashable {
  public var hosts: Int
  /// Hosts per outcome; every outcome present, zeros included.
  public var outcomes: [FleetHostResult.Outcome: Int]
  /// Real hosts' page statuses (no SIMULATED: a simulated host is never evidence).
  public var pageStatuses: [ValidationStatus: Int]
  /// The fleet's exit status (``FleetExitStatus``).
  public var exitStatus: Int32

  public init(_ results: [FleetHostResult]) {
    hosts = results.count
    var outcomes = Dictionary(uniqueKeysWithValues: FleetHostResult.Outcome.allCases.map { ($0, 0) })
    var pages: [ValidationStatus: Int] = [.validated: 0, .failed: 0, .incomplete: 0]
    for result in results {
      outcomes[result.outcome, default: 0] += 1
      if let status = result.pageStatus { pages[status, default: 0] += 1 }
    }
    self.outcomes = outcomes
    pageStatuses = pages
    exitStatus = FleetExitStatus.combine(results.map { $0.exitStatus ?? LabrunExitCode.interrupted })
    realHosts = results.filter { !$0.simulated }.count
  }

  /// How many hosts are real (not simulated).
  public var realHosts: Int

  /// `8 hosts: 6 all PASS · 1 with a FAIL · …`: the five categories always, the rest when any.
  public var line: String {
    let always: [FleetHostResult.Outcome] = [.allPass, .anyFail, .inconclusive, .stepFailed, .unreachable]
    let parts = FleetHostResult.Outcome.allCases.compactMap { outcome -> String? in
      let count = outcomes[outcome] ?? 0
      guard always.contains(outcome) || count > 0 else { return nil }
      return "\(count) \(outcome.label)"
    }
    return "\(hosts) host\(hosts == 1 ? "" : "s"): " + parts.joined(separator: " · ")
  }

  /// `real hosts: 1 VALIDATED · 0 FAILED · 0 INCOMPLETE`, nil when every host is simulated.
  public var pageLine: String? {
    guard realHosts > 0 else { return nil }
    let parts = [ValidationStatus.validated, .failed, .incomplete].map {
      "\(pageStatuses[$0] ?? 0) \($0.rawValue)"
    }
    return "real hosts' pages: " + parts.joined(separator: " · ")
  }
}
