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

  /// Runs the fleet. Every host's parameters are resolved first: a bad value on any line
  /// stops the command before any host starts. `open` opens one host's target.
  public func run(
    _ lab: LoadedLab, hosts: [Host], overrides: [String], options: LifecycleOptions, parallel: Int,
    open: @escaping @Sendable (Host) -> TargetOpener
  ) async throws -> (FleetDirectory, FleetPage) {
    let resolved = Dictionary(
      uniqueKeysWithValues: try hosts.map {
        ($0.target, try lab.definition.resolve(overrides: overrides + $0.parameters))
      })
    let targets = hosts.map(\.target)
    let fleet: FleetDirectory
    switch FleetResumption.decide(
      lab: lab.name, targets: targets, fleets: fleets.list(), newRun: options.newRun)
    {
    case .continueFleet(let id):
      fleet = try fleets.open(id: id)
      note("continuing fleet \(id): hosts whose run completed are left alone, the others resume")
    case .startNew:
      fleet = try fleets.create(
        lab: lab.name, hosts: hosts.map { FleetRecord.Host(target: $0.target, parameters: $0.parameters) })
    }
    let byTarget = Dictionary(hosts.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
    let results = try await FleetRunner(parallel: parallel).run(
      fleet,
      plan: { [store] host in
        FleetResumption.plan(for: host) { Self.exercisesComplete(store.state.runDirectory(id: $0)) }
      },
      leftAlone: { [self] host, runID in
        result(
          host.target, runID: runID, status: host.exitStatus, simulated: byTarget[host.target]?.simulated,
          lab: lab)
      },
      completed: { [store] result in
        result.runID.map { Self.exercisesComplete(store.state.runDirectory(id: $0)) } ?? false
      }
    ) { [self] host, started in
      let entry = byTarget[host.target] ?? Host(target: host.target, simulated: false)
      let lifecycle = LabRunLifecycle(store: store, redactor: redactor, progress: progress(host.target))
      do {
        let outcome = try await lifecycle.run(
          lab, parameters: resolved[host.target] ?? Parameters(), options: options, open: open(entry))
        try await started(await outcome.run.id)
        return FleetHostResult(
          host: host.target, runID: await outcome.run.id, exitStatus: outcome.exitStatus,
          simulated: entry.simulated,
          report: outcome.report, message: outcome.failure.map(summary),
          page: outcome.report == nil ? nil : Self.pagePath(runID: await outcome.run.id))
      } catch {
        return FleetHostResult(
          host: host.target, exitStatus: LabrunExitCode.status(for: error), simulated: entry.simulated,
          message: summary(error))
      }
    }
    let page = FleetPage(fleetID: fleet.id, lab: lab.name, hosts: results)
    try AtomicFile.write(Data(page.markdown().utf8), to: fleet.directory.appendingPathComponent("fleet.md"))
    return (fleet, page)
  }

  /// `labrun report --fleet ID`: the fleet's page from its record and its hosts' runs.
  public func page(fleet id: String, loadLab: RunLabLoader) async throws -> FleetPage {
    let record = try await fleets.open(id: id).fleetRecord
    var results: [FleetHostResult] = []
    var lab: LoadedLab?
    for host in record.hosts {
      guard let runID = host.runID else {
        results.append(FleetHostResult(host: host.target, exitStatus: host.exitStatus, simulated: false))
        continue
      }
      if lab == nil { lab = try loadLab(try RunStore.readRecord(in: store.state.runDirectory(id: runID))) }
      guard let lab else { continue }
      results.append(result(host.target, runID: runID, status: host.exitStatus, simulated: nil, lab: lab))
    }
    return FleetPage(fleetID: record.fleetID, lab: record.lab, hosts: results)
  }

  /// A host's result from its run on disk: its verdicts judged again from the evidence.
  func result(_ target: String, runID: String, status: Int32?, simulated: Bool?, lab: LoadedLab)
    -> FleetHostResult
  {
    let directory = store.state.runDirectory(id: runID)
    let record = try? RunStore.readRecord(in: directory)
    let report = Self.exercisesComplete(directory) ? (try? judge(directory, lab: lab)) ?? nil : nil
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
