import Foundation

/// `labrun run` over a fleet: every host its own ``LabRunLifecycle`` run (own run directory,
/// ledger, transcript, page), at most `parallel` at once (``FleetRunner``), grouped under a
/// fleet id (``FleetStore``); the newest unfinished fleet of the same hosts is continued
/// (``FleetResumption``). The fleet page is written beside the fleet's record (fleet.md).
public struct FleetLifecycle: Sendable {
  /// One host as the command gives it.
  public struct Host: Sendable, Hashable {
    public var target: String
    /// The host's own `key=value` parameters (hosts file), applied after `--param`.
    public var parameters: [String]
    public var simulated: Bool

    public init(target: String, parameters: [String] = [], simulated: Bool) {
      self.target = target
      self.parameters = parameters
      self.simulated = simulated
    }
  }

  public let store: RunStore
  public let redactor: Redactor
  /// Each host's progress sink.
  public let progress: @Sendable (String) -> ProgressHandler

  /// Lines about the fleet itself (which fleet is continued).
  public let note: @Sendable (String) -> Void

  public init(
    store: RunStore, redactor: Redactor, note: @escaping @Sendable (String) -> Void = { _ in },
    progress: @escaping @Sendable (String) -> ProgressHandler
  ) {
    self.store = store
    self.redactor = redactor
    self.note = note
    self.progress = progress
  }

  public var fleets: FleetStore { FleetStore(state: store.state) }

  /// `labrun run` over the fleet. Every host's parameters are resolved first: a bad value on
  /// any line stops the command before any host starts. `open` opens one host's target.
  public func run(
    _ lab: LoadedLab, hosts: [Host], overrides: [String], options: LifecycleOptions, parallel: Int,
    open: @escaping @Sendable (Host) -> TargetOpener
  ) async throws -> (FleetDirectory, FleetPage) {
    let resolved = try resolve(lab, hosts: hosts, overrides: overrides)
    let fleet = try continueOrStart(
      lab, hosts: hosts, newRun: options.newRun,
      saying: "hosts whose run completed are left alone, the others resume")
    return try await perform(
      fleet, hosts: hosts, parallel: parallel, loadLab: { _ in lab },
      plan: { [store] host in
        FleetResumption.plan(for: host) { Self.exercisesComplete(store.state.runDirectory(id: $0)) }
      },
      completed: { [store] result in
        result.runID.map { Self.exercisesComplete(store.state.runDirectory(id: $0)) } ?? false
      }
    ) { [self] entry, record, started in
      let outcome = try await lifecycle(for: entry.target, run: record.runID, started: started).run(
        lab, parameters: resolved[entry.target] ?? Parameters(), options: options, open: open(entry))
      return await hostResult(entry, outcome)
    }
  }

  /// Each host's parameters: `--param`, then the host's own.
  func resolve(_ lab: LoadedLab, hosts: [Host], overrides: [String]) throws -> [String: Parameters] {
    Dictionary(
      uniqueKeysWithValues: try hosts.map {
        ($0.target, try lab.definition.resolve(overrides: overrides + $0.parameters))
      })
  }

  /// The newest unfinished fleet of `lab` and these hosts (``FleetResumption``), else a new one.
  func continueOrStart(_ lab: LoadedLab, hosts: [Host], newRun: Bool, saying what: String) throws
    -> FleetDirectory
  {
    switch FleetResumption.decide(
      lab: lab.name, targets: hosts.map(\.target), fleets: fleets.list(), newRun: newRun)
    {
    case .continueFleet(let id):
      note("continuing fleet \(id): \(what)")
      return try fleets.open(id: id)
    case .startNew:
      return try fleets.create(
        lab: lab.name, hosts: hosts.map { FleetRecord.Host(target: $0.target, parameters: $0.parameters) })
    }
  }

  /// One host's lifecycle: its own progress sink; its run is the one the fleet recorded
  /// (``LabRunLifecycle/RunPointer/fleetHost(runID:)``), never the state's `current` run.
  /// `started` records the run in the fleet as soon as it exists.
  func lifecycle(
    for target: String, run runID: String?,
    started: @escaping @Sendable (String) async throws -> Void = { _ in }
  ) -> LabRunLifecycle {
    LabRunLifecycle(
      store: store, redactor: redactor, pointer: .fleetHost(runID: runID), runStarted: started,
      progress: progress(target))
  }

  /// A host's result from its lifecycle's outcome.
  func hostResult(_ entry: Host, _ outcome: RunOutcome) async -> FleetHostResult {
    let runID = await outcome.run.id
    return FleetHostResult(
      host: entry.target, runID: runID, exitStatus: outcome.exitStatus, simulated: entry.simulated,
      report: outcome.report, message: outcome.failure.map(summary),
      page: outcome.report == nil ? nil : Self.pagePath(runID: runID))
  }

  /// Runs `runHost` over the fleet's hosts (``FleetRunner``): a host whose `runHost` throws
  /// gets the error's status and one line of it; the fleet page is written (fleet.md).
  func perform(
    _ fleet: FleetDirectory, hosts: [Host], parallel: Int, loadLab: @escaping RunLabLoader,
    plan: @escaping @Sendable (FleetRecord.Host) -> FleetResumption.HostPlan,
    completed: @escaping @Sendable (FleetHostResult) -> Bool,
    runHost:
      @escaping @Sendable (Host, FleetRecord.Host, @escaping @Sendable (String) async throws -> Void)
      async throws -> FleetHostResult
  ) async throws -> (FleetDirectory, FleetPage) {
    let byTarget = Dictionary(hosts.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
    let results = try await FleetRunner(parallel: parallel).run(
      fleet, plan: plan,
      leftAlone: { [self] host, runID in
        result(
          host.target, runID: runID, status: host.exitStatus, simulated: byTarget[host.target]?.simulated,
          loadLab: loadLab)
      },
      completed: completed
    ) { [self] host, started in
      let entry = byTarget[host.target] ?? Host(target: host.target, simulated: false)
      do {
        return try await runHost(entry, host, started)
      } catch {
        // The run the host's phase started before it failed (recorded as it started).
        let runID = await fleet.fleetRecord.hosts.first { $0.target == host.target }?.runID
        return FleetHostResult(
          host: host.target, runID: runID, exitStatus: LabrunExitCode.status(for: error),
          simulated: entry.simulated, message: summary(error))
      }
    }
    let page = FleetPage(fleetID: fleet.id, lab: await fleet.fleetRecord.lab, hosts: results)
    try AtomicFile.write(Data(page.markdown().utf8), to: fleet.directory.appendingPathComponent("fleet.md"))
    return (fleet, page)
  }

  /// `labrun report --fleet ID`: the fleet's page from its record and its hosts' runs.
  /// The page of the newest fleet of exactly `hosts` (`labrun report --hosts FILE`).
  public func page(hosts: [Host], loadLab: RunLabLoader) async throws -> FleetPage {
    guard let newest = fleets.newest(of: Set(hosts.map(\.target))) else {
      throw FleetStoreError.noFleetOfHosts(hosts: hosts.count)
    }
    return try await page(fleet: newest.fleetID, loadLab: loadLab)
  }

  public func page(fleet id: String, loadLab: RunLabLoader) async throws -> FleetPage {
    let record = try await fleets.open(id: id).fleetRecord
    let lab = try Self.lab(of: record, store: store, loadLab: loadLab)
    let results = record.hosts.map { host in
      guard let runID = host.runID, let lab else {
        return FleetHostResult(host: host.target, exitStatus: host.exitStatus, simulated: false)
      }
      return result(host.target, runID: runID, status: host.exitStatus, simulated: nil, loadLab: { _ in lab })
    }
    return FleetPage(fleetID: record.fleetID, lab: record.lab, hosts: results)
  }

  /// The lab a fleet's runs were started with, from its first host that has a run (one
  /// lab a fleet: it is loaded once, not once per host).
  /// Nil when no host has a run yet.
  static func lab(of record: FleetRecord, store: RunStore, loadLab: RunLabLoader) throws -> LoadedLab? {
    guard let runID = record.hosts.lazy.compactMap(\.runID).first else { return nil }
    return try loadLab(try RunStore.readRecord(in: store.state.runDirectory(id: runID)))
  }

  /// A host's result from its run on disk: its verdicts judged again from the evidence, by
  /// the lab `loadLab` gives for the run's record.
  func result(_ target: String, runID: String, status: Int32?, simulated: Bool?, loadLab: RunLabLoader)
    -> FleetHostResult
  {
    let directory = store.state.runDirectory(id: runID)
    let record = try? RunStore.readRecord(in: directory)
    let judgedBy = record.flatMap { record in try? loadLab(record) }
    let report =
      Self.exercisesComplete(directory) ? judgedBy.flatMap { (try? judge(directory, lab: $0)) ?? nil } : nil
    return FleetHostResult(
      host: target, runID: runID, exitStatus: status,
      simulated: simulated ?? (record?.target.kind == .simulated),
      report: report, page: report == nil ? nil : Self.pagePath(runID: runID))
  }

  func judge(_ directory: URL, lab: LoadedLab) throws -> ValidationReport? {
    try LabRunLifecycle(store: store, redactor: redactor).judge(directory, lab: lab)
  }

  /// An error in one line for the page's Status cell (the whole of it was said on standard
  /// error and is in the host's run directory).
  func summary(_ error: any Error) -> String {
    let line = redactor.redact(String(describing: error)).split(separator: "\n").first.map(String.init) ?? ""
    return FleetProgressBoard.cut(line, to: 160)
  }

  /// Whether a run's exercises completed (its ledger): such a host is left alone.
  static func exercisesComplete(_ directory: URL) -> Bool {
    (try? RunStore.readLedger(in: directory))?.isComplete(.exercises) ?? false
  }

  /// A host's own page, from the fleet page (`fleets/<id>/fleet.md`).
  static func pagePath(runID: String) -> String { "../../runs/\(runID)/validation.md" }
}
