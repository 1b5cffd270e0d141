import Foundation

/// The target a lifecycle runs on, opened when the lifecycle needs it: for a new or resumed
/// run (`record` nil) with the parameters given, for an existing run with its record (its own
/// target and connection unless the command gives others).
public typealias TargetOpener =
  @Sendable (_ record: RunRecord?, _ parameters: Parameters) async throws -> OpenedTarget

/// The lab an existing run was started with, from its record.
public typealias RunLabLoader = @Sendable (_ record: RunRecord) throws -> LoadedLab

/// An open target and how it was reached (`-F`, `--identity`), for run.json.
public struct OpenedTarget: Sendable {
  public var transport: any Transport
  public var connection: ConnectionRecord?

  public init(transport: any Transport, connection: ConnectionRecord?) {
    self.transport = transport
    self.connection = connection
  }
}

/// The run lifecycle: which run a command starts or resumes (refusing a `--param` that differs
/// from what that run recorded), locking it, reopening it after a teardown, the phase order
/// (up, exercises, report, down), teardown after a failure (when, and whether: `--keep`, an
/// interruption), `exercises` needing a finished `up`, and the exit status of the outcome
/// (the verdicts, or the first failure's).
///
/// The commands only parse their arguments and wire this to a target and a progress sink.
/// It holds no global state: its store, redactor and progress sink are values, so many
/// lifecycles (one per host of a fleet) can run side by side in one process.
public struct LabRunLifecycle: Sendable {
  /// How the command chooses the run it continues (``RunResumption``).
  public enum Start: Sendable, Hashable {
    /// `up`: the current run when it is of this lab and target and not torn down.
    case up
    /// `run`: the newest unfinished run of this lab and target, reopened after a teardown.
    case run
  }

  /// Which run `up` continues, and whether the run a command starts or resumes becomes the
  /// state directory's `current` run (the one a bare `labrun exercises`, `report`, `down` or
  /// `status` acts on).
  public enum RunPointer: Sendable, Hashable {
    /// One host: `up` continues the `current` run, and every run started or resumed becomes
    /// current.
    case current
    /// A host of a fleet: the fleet's record names the host's run (nil before it has one);
    /// `current` is neither read nor moved, so the hosts of a fleet, working at once, never
    /// take it from each other nor from the single-host run the user last started.
    case fleetHost(runID: String?)
  }

  public let store: RunStore
  public let redactor: Redactor
  public let progress: ProgressHandler
  public let pointer: RunPointer
  /// Told the run's id as soon as a command has started or resumed it, before any step runs
  /// (a fleet records it, so a host whose phase then fails or is interrupted is found again).
  public let runStarted: @Sendable (String) async throws -> Void

  public init(
    store: RunStore, redactor: Redactor, pointer: RunPointer = .current,
    runStarted: @escaping @Sendable (String) async throws -> Void = { _ in },
    progress: @escaping ProgressHandler = { _ in }
  ) {
    self.store = store
    self.redactor = redactor
    self.pointer = pointer
    self.runStarted = runStarted
    self.progress = progress
  }

  // MARK: commands

  /// `labrun up`: opens the target, starts or resumes a run, runs the `up` phase.
  @discardableResult
  public func up(
    _ lab: LoadedLab, parameters: Parameters, options: LifecycleOptions, open: TargetOpener
  ) async throws -> RunOutcome {
    let (run, transport) = try await start(lab, parameters: parameters, as: .up, options: options, open: open)
    do {
      try await runPhase(.up, of: lab, on: run, through: transport, options: options, given: parameters.given)
    } catch {
      await transport.close()
      await run.unlock()
      throw error
    }
    await transport.close()
    await run.unlock()
    return RunOutcome(run: run, report: nil, page: nil, failure: nil)
  }

  /// `labrun run`: up, exercises and the report, then down, also after a failure, unless
  /// `--keep` or an interruption. A failure before the run exists (lab, target, lock) is
  /// thrown; once it exists every failure is said when it happens (``ProgressEvent/runFailed(_:)``)
  /// and the outcome carries the first, which decides the exit status over the verdicts.
  public func run(
    _ lab: LoadedLab, parameters: Parameters, options: LifecycleOptions, open: TargetOpener
  ) async throws -> RunOutcome {
    let (run, transport) = try await start(
      lab, parameters: parameters, as: .run, options: options, open: open)
    var failure: (any Error)?
    var report: ValidationReport?
    var page: String?
    do {
      try await runPhase(.up, of: lab, on: run, through: transport, options: options, given: parameters.given)
      try await runPhase(.exercises, of: lab, on: run, through: transport, options: options)
      (report, page) = try await writePage(of: run, lab: lab)
    } catch {
      failure = error
      say(error)
    }
    if Task.isCancelled {
      note(
        "interrupted: not tearing down; run the same command again to resume (it tears down at the end), "
          + "or `labrun down`")
    } else if options.keep {
      note("--keep: leaving the lab in place; tear down later with `labrun down`")
    } else {
      if failure != nil { note("tearing down after the failure above") }
      do {
        try await runPhase(.down, of: lab, on: run, through: transport, options: options)
        try await run.setFinished(Date())
      } catch {
        say(error)
        if failure == nil { failure = error }
      }
    }
    await transport.close()
    await run.unlock()
    if let report { sayVerdicts(report) }
    return RunOutcome(run: run, report: report, page: page, failure: failure)
  }

  /// `labrun exercises`: the exercises phase of an existing run (`spec`: `--run`, nil for the
  /// current one), which needs its `up` finished; says the verdicts.
  public func exercises(run spec: String?, loadLab: RunLabLoader, open: TargetOpener) async throws
    -> RunOutcome
  {
    let (run, lab) = try await openExisting(spec, loadLab: loadLab)
    try await onRecordedTarget(of: run, lab: lab, open: open) { transport in
      if !lab.steps(for: .up).isEmpty, !(await run.currentLedger).isComplete(.up) {
        throw RunSelectionError.phaseIncomplete(run: await run.id, phase: .up)
      }
      try await runPhase(.exercises, of: lab, on: run, through: transport, options: LifecycleOptions())
    }
    let report = try judge(run.directory, lab: lab)
    if let report { sayVerdicts(report) }
    return RunOutcome(run: run, report: report, page: nil, failure: nil)
  }

  /// `labrun down`: the down phase of an existing run; the run is finished when it completes.
  @discardableResult
  public func down(
    run spec: String?, options: LifecycleOptions, loadLab: RunLabLoader, open: TargetOpener
  ) async throws -> RunOutcome {
    let (run, lab) = try await openExisting(spec, loadLab: loadLab)
    try await onRecordedTarget(of: run, lab: lab, open: open) { transport in
      try await runPhase(.down, of: lab, on: run, through: transport, options: options)
      try await run.setFinished(Date())
    }
    return RunOutcome(run: run, report: nil, page: nil, failure: nil)
  }

  // MARK: pieces

  /// Opens the target (``TargetOpener``), then starts or resumes a run on it and records how
  /// it was reached. The transport is closed again when that fails.
  func start(
    _ lab: LoadedLab, parameters: Parameters, as start: Start, options: LifecycleOptions, open: TargetOpener
  ) async throws -> (RunDirectory, any Transport) {
    let opened = try await open(nil, parameters)
    var started: RunDirectory?
    do {
      let target = await opened.transport.target
      let run = try await startOrResume(
        lab, parameters: parameters, target: target, as: start, newRun: options.newRun)
      started = run
      try await runStarted(await run.id)
      try await run.updateTarget(target)
      try await run.updateConnection(opened.connection)
      return (run, opened.transport)
    } catch {
      await opened.transport.close()
      await started?.unlock()
      throw error
    }
  }

  /// Opens an existing run (`--run`, else the current one) and loads its lab; not locked yet
  /// (``onRecordedTarget(of:lab:open:_:)`` locks it).
  func openExisting(_ spec: String?, loadLab: RunLabLoader) async throws -> (RunDirectory, LoadedLab) {
    let run = try store.open(spec: spec, redactor: redactor)
    let record = await run.runRecord
    note("run \(record.runID) (\(run.directory.path))")
    return (run, try loadLab(record))
  }

  /// Locks `run`, then runs `body` on the run's own target (``TargetOpener`` with its
  /// record), recording what the transport learned; the transport is closed and the run
  /// unlocked whatever happens.
  func onRecordedTarget(
    of run: RunDirectory, lab: LoadedLab, open: TargetOpener, _ body: (any Transport) async throws -> Void
  ) async throws {
    try await run.lock()
    var transport: (any Transport)?
    do {
      try await recordMissingDefaults(of: lab, in: run)
      let record = await run.runRecord
      let opened = try await open(record, Parameters(record.parameters))
      transport = opened.transport
      try await run.updateTarget(await opened.transport.target)
      try await run.updateConnection(opened.connection)
      try await body(opened.transport)
    } catch {
      await transport?.close()
      await run.unlock()
      throw error
    }
    await transport?.close()
    await run.unlock()
  }

  /// Runs one phase of `lab` on `run`.
  public func runPhase(
    _ phase: Phase, of lab: LoadedLab, on run: RunDirectory, through transport: any Transport,
    options: LifecycleOptions, given: Set<String> = []
  ) async throws {
    let pipeline = Pipeline(
      run: run, transport: transport, progress: progress, givenParameters: given, options: options)
    try await pipeline.run(phase, steps: lab.steps(for: phase, on: await transport.target))
  }

  /// Adds parameters the lab declares but the run has not recorded (the lab gained a
  /// parameter since the run started), with their defaults.
  func recordMissingDefaults(of lab: LoadedLab, in run: RunDirectory) async throws {
    let recorded = await run.runRecord.parameters
    for parameter in lab.definition.parameters where recorded[parameter.name] == nil {
      try await run.recordParameter(parameter.name, parameter.defaultValue)
    }
  }

  // MARK: verdicts

  /// The verdicts on the evidence in `directory`, or nil for a lab without a validation page.
  public func judge(_ directory: URL, lab: LoadedLab) throws -> ValidationReport? {
    guard let validation = lab.lab.validation else { return nil }
    return Verifier(lab: validation).verify(try EvidenceBundle.load(directory: directory))
  }

  /// Verifies the run's evidence and writes the page into the run directory (validation.md);
  /// nil for a lab without a validation page.
  func writePage(of run: RunDirectory, lab: LoadedLab) async throws -> (ValidationReport?, String?) {
    guard let report = try judge(run.directory, lab: lab) else {
      note("lab \(lab.name) has no validation page; skipping the report")
      return (nil, nil)
    }
    let page = ValidationPageRenderer.markdown(report)
    let file = run.directory.appendingPathComponent("validation.md")
    try AtomicFile.write(Data(page.utf8), to: file)
    note("validation page written to \(file.path)")
    return (report, page)
  }

  /// Says the verdicts: the counts and status, one line per exercise, and what the exit status
  /// will be.
  func sayVerdicts(_ report: ValidationReport) {
    note("verdicts: \(report.verdictCounts); \(report.statusSummary)")
    for line in report.exerciseLines { note(line) }
    switch report.exercisesExitCode {
    case LabrunExitCode.exercisesFailed:
      note(
        "exit \(LabrunExitCode.exercisesFailed): the exercises completed and the evidence contradicts a claim"
      )
    case LabrunExitCode.exercisesInconclusive:
      note(
        "exit \(LabrunExitCode.exercisesInconclusive): the exercises completed; something an exercise needs is missing"
      )
    default: break
    }
  }

  // MARK: progress

  func note(_ message: String) { progress(.runNote(message)) }

  /// Says a failure the lifecycle goes on after; an interruption is said by whoever cancelled.
  func say(_ error: any Error) {
    guard LabrunExitCode.status(for: error) != LabrunExitCode.interrupted else { return }
    progress(.runFailed(redactor.redact(String(describing: error))))
  }
}

/// What a lifecycle command ended with.
public struct RunOutcome: Sendable {
  /// The run it acted on.
  public var run: RunDirectory
  /// The verdicts, when the exercises completed (nil for a lab without a validation page).
  public var report: ValidationReport?
  /// The validation page `run` wrote, for standard output.
  public var page: String?
  /// The first failure, already said (``ProgressEvent/runFailed(_:)``).
  public var failure: (any Error)?

  public init(run: RunDirectory, report: ValidationReport?, page: String?, failure: (any Error)?) {
    self.run = run
    self.report = report
    self.page = page
    self.failure = failure
  }

  /// The exit status: the first failure's (a step that failed says more than the verdicts: a
  /// rerun is needed), else the verdicts' (0, 5 or 6), else 0.
  public var exitStatus: Int32 {
    if let failure { return LabrunExitCode.status(for: failure) }
    return report?.exercisesExitCode ?? 0
  }
}
