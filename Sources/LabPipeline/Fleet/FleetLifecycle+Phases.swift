import Foundation

/// `labrun up`, `exercises` and `down` over a fleet: each host its own lifecycle phase
/// (``LabRunLifecycle``), the fleet's record naming each host's run. `up` starts or continues
/// the newest unfinished fleet of these hosts; `exercises` and `down` continue it; the fleet
/// is finished once `down` completed on every host, so the next `up` starts a new fleet.
extension FleetLifecycle {
  /// `labrun up` over the fleet: provisions each host (its recorded run resumed, else a new
  /// one). Parameters are resolved for every host before any starts.
  public func up(
    _ lab: LoadedLab, hosts: [Host], overrides: [String], options: LifecycleOptions, parallel: Int,
    open: @escaping @Sendable (Host) -> TargetOpener
  ) async throws -> (FleetDirectory, FleetPage) {
    let resolved = try resolve(lab, hosts: hosts, overrides: overrides)
    let fleet = try continueOrStart(
      lab, hosts: hosts, newRun: options.newRun, saying: "each host's run resumes where it stopped")
    return try await perform(
      fleet, hosts: hosts, parallel: parallel, loadLab: { _ in lab }, plan: { _ in .run },
      completed: { _ in false }
    ) { [self] entry, record, started in
      let outcome = try await lifecycle(for: entry.target, run: record.runID, started: started).up(
        lab, parameters: resolved[entry.target] ?? Parameters(), options: options, open: open(entry))
      return await hostResult(entry, outcome)
    }
  }

  /// `labrun exercises` over the fleet `up` started: each host whose `up` finished; a host
  /// whose `up` did not is refused as one host's `exercises` is (exit 4, saying so), and a
  /// host without a run keeps the status its `up` ended with.
  public func exercises(
    hosts: [Host], parallel: Int, loadLab: @escaping RunLabLoader,
    open: @escaping @Sendable (Host) -> TargetOpener
  ) async throws -> (FleetDirectory, FleetPage) {
    try await onEachRun(of: hosts, phase: .exercises, parallel: parallel, loadLab: loadLab) {
      [self] entry, runID, lab in
      try await lifecycle(for: entry.target, run: runID).exercises(
        run: runID, loadLab: { _ in lab }, open: open(entry))
    }
  }

  /// `labrun down` over the fleet: tears each host's run down; a host without a run has
  /// nothing labrun installed. The fleet is finished once every host's run is.
  public func down(
    hosts: [Host], options: LifecycleOptions, parallel: Int, loadLab: @escaping RunLabLoader,
    open: @escaping @Sendable (Host) -> TargetOpener
  ) async throws -> (FleetDirectory, FleetPage) {
    try await onEachRun(of: hosts, phase: .down, parallel: parallel, loadLab: loadLab) {
      [self] entry, runID, lab in
      try await lifecycle(for: entry.target, run: runID).down(
        run: runID, options: options, loadLab: { _ in lab }, open: open(entry))
    }
  }

  /// Runs `phase` (`body`) on each host's run of the newest unfinished fleet of these hosts,
  /// the fleet's lab loaded once; a host without a run gets ``withoutRun(_:_:phase:)``. After
  /// `down` the fleet is finished once every host's run is.
  func onEachRun(
    of hosts: [Host], phase: Phase, parallel: Int, loadLab: @escaping RunLabLoader,
    _ body: @escaping @Sendable (Host, String, LoadedLab) async throws -> RunOutcome
  ) async throws -> (FleetDirectory, FleetPage) {
    let fleet = try existing(hosts, for: phase)
    let lab = try Self.lab(of: await fleet.fleetRecord, store: store, loadLab: loadLab)
    return try await perform(
      fleet, hosts: hosts, parallel: parallel, loadLab: { [lab] record in try lab ?? loadLab(record) },
      plan: { _ in .run },
      completed: { [store] result in
        guard phase == .down else { return false }
        guard let runID = result.runID else { return result.exitStatus == 0 }
        return (try? RunStore.readRecord(in: store.state.runDirectory(id: runID)))?.finishedAt != nil
      }
    ) { [self] entry, record, _ in
      guard let runID = record.runID, let lab else { return withoutRun(entry, record, phase: phase) }
      return await hostResult(entry, try await body(entry, runID, lab))
    }
  }

  /// The newest unfinished fleet of exactly these hosts, which `exercises` and `down` continue.
  func existing(_ hosts: [Host], for phase: Phase) throws -> FleetDirectory {
    guard let newest = fleets.newest(of: Set(hosts.map(\.target)), unfinishedOnly: true) else {
      throw FleetStoreError.noUnfinishedFleet(hosts: hosts.count, phase: phase.rawValue)
    }
    note("continuing fleet \(newest.fleetID)")
    return try fleets.open(id: newest.fleetID)
  }

  /// A host the fleet has no run for: `up` never started one (it could not reach the host,
  /// or was interrupted first). Nothing to exercise or tear down; its status stays its up's.
  func withoutRun(_ entry: Host, _ record: FleetRecord.Host, phase: Phase) -> FleetHostResult {
    if phase == .down {
      return FleetHostResult(
        host: entry.target, exitStatus: 0, simulated: entry.simulated,
        message: "no run: labrun installed nothing on this host")
    }
    return FleetHostResult(
      host: entry.target, exitStatus: record.exitStatus ?? LabrunExitCode.runStateFailed,
      simulated: entry.simulated,
      message: "no run: `labrun up` did not start one on this host; run `labrun up` with these hosts again")
  }
}
