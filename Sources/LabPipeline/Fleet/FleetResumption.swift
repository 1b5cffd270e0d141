import Foundation

/// Which fleet a fleet command continues, and what each host does in it: the single-host
/// rule ("run the same command again to resume") lifted to the fleet, decided in one place.
public enum FleetResumption: Sendable, Hashable {
  /// Continue this fleet: hosts whose run completed are left alone, the others resume.
  case continueFleet(id: String)
  /// Start a new fleet.
  case startNew

  /// The newest fleet of `lab`, when it is unfinished and lists the same hosts; a finished
  /// one, another host list or `newRun` (`--new-run`) starts a new fleet.
  public static func decide(lab: String, targets: [String], fleets: [FleetRecord], newRun: Bool)
    -> FleetResumption
  {
    guard !newRun,
      let newest = fleets.filter({ $0.lab == lab })
        .max(by: { ($0.startedAt, $0.fleetID) < ($1.startedAt, $1.fleetID) }),
      newest.finishedAt == nil, newest.targets == Set(targets)
    else { return .startNew }
    return .continueFleet(id: newest.fleetID)
  }

  /// What one host of a continued fleet does.
  public enum HostPlan: Sendable, Hashable {
    /// Its run completed: its result stands, nothing touches the host.
    case leaveAlone(runID: String)
    /// Run it: resume its unfinished run, or start one.
    case run
  }

  /// `completed` says whether a run's exercises completed (its ledger).
  public static func plan(for host: FleetRecord.Host, completed: (String) -> Bool) -> HostPlan {
    guard let runID = host.runID, completed(runID) else { return .run }
    return .leaveAlone(runID: runID)
  }
}
