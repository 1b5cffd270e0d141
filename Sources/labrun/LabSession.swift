import ArgumentParser
import Foundation
import LabPipeline
import Labs
import Remote
import Targets

/// What the pipeline commands share: the state directory, the redactor, the progress
/// printer, and the wiring from lab + target + run to a pipeline.
struct LabSession: Sendable {
  let state: StateDirectory
  let store: RunStore
  let redactor: Redactor
  let printer: ProgressPrinter
  let environment: [String: String]

  init(environment: [String: String] = ProcessInfo.processInfo.environment) {
    self.environment = environment
    self.state = StateDirectory(environment: environment)
    self.store = RunStore(state: state)
    self.redactor = Redactor(environment: environment)
    self.printer = ProgressPrinter(redactor: redactor, environment: environment)
  }

  // MARK: labs

  /// Finds labs in `$LABRUN_LABS`, `./labs`, then among the built-in ones.
  var labLocator: LabLocator {
    LabLocator(environment: environment, builtIn: BuiltInLabs.all)
  }

  /// The lab `--lab` names (default: the registry's default lab), with `--param` applied.
  /// Says on stderr which copy it used.
  func loadLab(_ arguments: LabArguments) throws -> (LoadedLab, Parameters) {
    let located = try labLocator.locate(arguments.lab ?? LabRegistry.defaultLabName)
    printer.info(located.summary)
    let definition = try LabDefinition.load(from: located.source)
    let lab = try LabRegistry.load(definition)
    return (lab, try definition.resolve(overrides: arguments.parameters))
  }

  /// The lab an existing run was started with: its recorded lab.yaml (or built-in lab), else
  /// by name. Says on stderr which copy it used.
  func loadLab(for record: RunRecord) throws -> LoadedLab {
    let located = try labLocator.locate(recorded: record.labFile, name: record.lab)
    printer.info(located.summary)
    return try LabRegistry.load(try LabDefinition.load(from: located.source))
  }

  // MARK: targets

  /// Parses `--host` (or, without it, `runTarget`: the run's own) and opens it with the
  /// connection options and, for the simulated host, the run's `sim_scenario`. A malformed
  /// `--host` exits 64 and an unknown profile or scenario 2; any failure to open is a
  /// ``TargetOpenError`` (exit status 3), whatever the transport's own error type.
  func openTransport(_ arguments: TargetArguments, runTarget: String? = nil, parameters: Parameters? = nil)
    async throws -> any Transport
  {
    let spec = try arguments.spec(orRunTarget: runTarget)
    // A malformed --host (64) or an unknown profile or scenario (2) is said as such, not as
    // an unreachable target.
    let target = try TargetSpec(parsing: spec)
    let scenario = parameters?["sim_scenario"]?.stringValue
    try target.checkScenario(scenario)
    do {
      return try await target.open(options: arguments.connectionOptions(state: state), scenario: scenario)
    } catch is CancellationError {
      throw CancellationError()
    } catch {
      throw TargetOpenError(host: spec, underlying: error)
    }
  }

  /// How `--host` resolves through ssh_config (its ssh part, for `sim+ALIAS`), connecting to
  /// nothing. Failures are ``TargetOpenError``s (exit status 3).
  func resolveSSH(_ arguments: TargetArguments) async throws -> SSHTransport.Destination {
    let spec = try arguments.spec()
    let target = try TargetSpec(parsing: spec)
    do {
      guard let host = target.sshHost else {
        throw ValidationError("--resolve needs an ssh target (an ssh_config alias, user@host or sim+ALIAS)")
      }
      return try await SSHTransportFactory.destination(
        host: host, options: arguments.connectionOptions(state: state))
    } catch let error as ValidationError {
      throw error
    } catch {
      throw TargetOpenError(host: spec, underlying: error)
    }
  }

  // MARK: runs

  /// The run to continue (``RunResumption``), else a new run.
  ///
  /// `up` resumes the current run when it is for the same lab and `--host` and its `down`
  /// phase has not started; `run` (`fullRun`) resumes the newest unfinished run of that lab and
  /// `--host`, reopening it if it was torn down after a failure. `newRun` forces a new one.
  /// Overrides given on a resume must match what the run recorded.
  func startOrResume(
    lab: LoadedLab, parameters: Parameters, overrides: [String], target: TargetInfo, newRun: Bool,
    fullRun: Bool = false
  ) async throws -> RunDirectory {
    let decision: RunResumption
    if fullRun {
      decision = RunResumption.forRun(
        lab: lab.name, target: target.name, candidates: runCandidates(), newRun: newRun)
    } else {
      let current = state.currentRunID().flatMap { candidate(state.runDirectory(id: $0)) }
      decision = RunResumption.forUp(lab: lab.name, target: target.name, current: current, newRun: newRun)
    }
    if case .resume(let id, let reopen) = decision,
      let run = try? store.open(state.runDirectory(id: id), redactor: redactor)
    {
      let record = await run.runRecord
      for name in Set(overrides.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
      {
        let given = parameters[name]
        if record.parameters[name] != given {
          throw RunSelectionError.parameterDiffers(
            name: name, recorded: record.parameters[name]?.description ?? "(unset)",
            given: given?.description ?? "(unset)", run: id)
        }
      }
      try await run.lock()
      if reopen { try await run.reopenAfterTeardown() }
      try state.setCurrentRun(id: id)
      try await recordMissingDefaults(of: lab, in: run)
      printer.info(
        "resuming run \(id) (\(run.directory.path))"
          + (reopen ? "; it was torn down, so every step starts again from its check" : ""))
      return run
    }
    let run = try store.create(
      lab: lab.name, labFile: lab.definition.source.recorded, target: target, parameters: parameters.values,
      redactor: redactor)
    try await run.lock()
    printer.info("new run \(await run.id) (\(run.directory.path))")
    return run
  }

  /// Every readable run under runs/, for ``RunResumption``.
  private func runCandidates() -> [RunResumption.Candidate] {
    let runs = state.runsDirectory
    let names = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
    return names.filter { !$0.hasPrefix(".") }.compactMap {
      candidate(runs.appendingPathComponent($0, isDirectory: true))
    }
  }

  private func candidate(_ directory: URL) -> RunResumption.Candidate? {
    guard let record = try? RunStore.readRecord(in: directory),
      let ledger = try? RunStore.readLedger(in: directory)
    else { return nil }
    return RunResumption.Candidate(record: record, ledger: ledger)
  }

  /// Adds parameters the lab declares but the run has not recorded (the lab gained a
  /// parameter since the run started), with their defaults.
  func recordMissingDefaults(of lab: LoadedLab, in run: RunDirectory) async throws {
    let recorded = await run.runRecord.parameters
    for parameter in lab.definition.parameters where recorded[parameter.name] == nil {
      try await run.recordParameter(parameter.name, parameter.defaultValue)
    }
  }

  /// Runs one phase of `lab` on `run` through `transport`.
  func runPhase(
    _ phase: Phase, lab: LoadedLab, run: RunDirectory, transport: any Transport, given: Set<String> = []
  ) async throws {
    let pipeline = Pipeline(run: run, transport: transport, progress: printer.handler, givenParameters: given)
    defer { printer.stop() }
    try await pipeline.run(phase, steps: lab.steps(for: phase))
  }

  /// Records what the transport learned about the target (address, user, host key) in
  /// run.json, and how it was reached (`-F`, `--identity`); its name is the `--host` the run was
  /// started with.
  func recordTarget(of transport: any Transport, in run: RunDirectory, arguments: TargetArguments)
    async throws
  {
    try await run.updateTarget(await transport.target)
    try await run.updateConnection(arguments.connectionRecord)
  }

  // MARK: verdicts

  /// The verdicts on `run`'s evidence as it stands, or nil for a lab without a validation page.
  func judge(_ run: RunDirectory) async throws -> ValidationReport? {
    guard LabRegistry.hasValidation(await run.runRecord.lab) else { return nil }
    return try LabRegistry.verify(EvidenceBundle.load(directory: run.directory))
  }

  /// Says the verdicts on stderr: the counts and status, one line per exercise, and what the
  /// exit status will be.
  func sayVerdicts(_ report: ValidationReport) {
    printer.info("verdicts: \(report.verdictCounts); \(report.statusSummary)")
    for line in report.exerciseLines { printer.info(line) }
    switch report.exercisesExitCode {
    case LabrunExitCode.exercisesFailed:
      printer.info(
        "exit \(LabrunExitCode.exercisesFailed): the exercises completed and the evidence contradicts a claim"
      )
    case LabrunExitCode.exercisesInconclusive:
      printer.info(
        "exit \(LabrunExitCode.exercisesInconclusive): the exercises completed; something an exercise needs is missing"
      )
    default: break
    }
  }

  /// Prints `error` (redacted) and returns the exit status to throw.
  func failure(_ error: any Error) -> any Error {
    printer.stop()
    if error is ExitCode || error is ValidationError || error is CleanExit { return error }
    // SignalCancellation says it was interrupted and exits 130.
    if case PipelineError.interrupted = error { return ExitCode(130) }
    Terminal.error(error, redactor: redactor)
    return ExitCode((error as? any ExitCodeProviding)?.exitCode ?? LabrunExitCode.stepFailed)
  }
}

/// Why an existing run cannot be continued as asked.
enum RunSelectionError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `--param` on a resume differs from the value the run recorded.
  case parameterDiffers(name: String, recorded: String, given: String, run: String)
  /// A phase needs an earlier one that has not finished.
  case phaseIncomplete(run: String, phase: Phase)

  var description: String {
    switch self {
    case .parameterDiffers(let name, let recorded, let given, let run):
      return "run \(run) recorded \(name)=\(recorded) but --param gives \(given); "
        + "rerun with the same value to resume, or pass --new-run to start a new run"
    case .phaseIncomplete(let run, let phase):
      return "run \(run) has not finished `\(phase)`; run `labrun \(phase)` first (see `labrun status`)"
    }
  }

  var errorDescription: String? { description }
}

extension RunSelectionError: ExitCodeProviding {
  var exitCode: Int32 { LabrunExitCode.runStateFailed }
}

/// `--host` could not be opened; wraps the transport's own error.
struct TargetOpenError: Error, CustomStringConvertible, LocalizedError, ExitCodeProviding {
  var host: String
  var underlying: any Error

  var description: String {
    let detail = String(describing: underlying)
    return detail.contains(host) ? detail : "cannot reach \(host): \(detail)"
  }

  var errorDescription: String? { description }
  var exitCode: Int32 { LabrunExitCode.targetFailed }
}
