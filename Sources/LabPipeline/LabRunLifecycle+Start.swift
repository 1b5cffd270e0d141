import Foundation

extension LabRunLifecycle {
  /// The run to continue (``RunResumption``), else a new run, locked and (for one host,
  /// ``RunPointer/current``) made current.
  ///
  /// `up` resumes the current run (a fleet's host: the run its fleet recorded) when it is for the same lab and target and its `down` phase
  /// has not started; `run` resumes the newest unfinished run of that lab and target,
  /// reopening it if it was torn down after a failure; `newRun` forces a new one. A `--param`
  /// (``Parameters/given``) that differs from what that run recorded is refused
  /// (``RunSelectionError/parameterDiffers(name:recorded:given:run:)``, exit 2), unless the run
  /// changed nothing on the target (it stopped at a step that only looks, such as a preflight
  /// refusal): then a new run starts with the new value, and says so.
  public func startOrResume(
    _ lab: LoadedLab, parameters: Parameters, target: TargetInfo, as start: Start, newRun: Bool
  ) async throws -> RunDirectory {
    let state = store.state
    let decision: RunResumption
    switch start {
    case .run:
      decision = RunResumption.forRun(
        lab: lab.name, target: target.name, candidates: candidates(of: target.name), newRun: newRun)
    case .up:
      let currentID: String?
      switch pointer {
      case .current: currentID = state.currentRunID()
      case .fleetHost(let runID): currentID = runID
      }
      let current = currentID.flatMap { candidate(state.runDirectory(id: $0)) }
      decision = RunResumption.forUp(lab: lab.name, target: target.name, current: current, newRun: newRun)
    }
    if case .resume(let id, let reopen) = decision,
      let run = try? store.open(state.runDirectory(id: id), redactor: redactor)
    {
      let record = await run.runRecord
      let recordedNodes = Set(record.target.nodes?.map(\.name) ?? [])
      let givenNodes = Set(target.nodes?.map(\.name) ?? [])
      let differing = Self.differingParameter(record: record, parameters: parameters)
      if recordedNodes != givenNodes || differing != nil {
        let ledger = await run.currentLedger
        guard let stoppedAt = Self.stepThatChangedNothing(ledger, lab: lab, target: record.target) else {
          if recordedNodes != givenNodes {
            throw RunSelectionError.nodesDiffer(
              recorded: recordedNodes.sorted(), given: givenNodes.sorted(), run: id)
          }
          throw RunSelectionError.parameterDiffers(
            name: differing?.name ?? "", recorded: differing?.recorded ?? "", given: differing?.given ?? "",
            run: id)
        }
        let change =
          recordedNodes != givenNodes
          ? "nodes \(Self.list(recordedNodes)), so a new run starts with nodes \(Self.list(givenNodes))"
          : "\(differing?.name ?? "")=\(differing?.recorded ?? ""), so a new run starts with "
            + "\(differing?.name ?? "")=\(differing?.given ?? "")"
        note("run \(id) stopped at `\(stoppedAt)` and changed nothing on the host; it recorded \(change)")
      } else {
        try await run.lock()
        do {
          if reopen { try await run.reopenAfterTeardown() }
          if pointer == .current { try state.setCurrentRun(id: id) }
          try await recordMissingDefaults(of: lab, in: run)
        } catch {
          await run.unlock()
          throw error
        }
        note(
          "resuming run \(id) (\(run.directory.path))"
            + (reopen ? "; it was torn down, so every step starts again from its check" : ""))
        return run
      }
    }
    let run = try store.create(
      lab: lab.name, labFile: lab.definition.source.recorded, target: target, parameters: parameters.values,
      redactor: redactor, makeCurrent: pointer == .current)
    try await run.lock()
    note("new run \(await run.id) (\(run.directory.path))")
    return run
  }

  /// `a, b`, or `none` (one host).
  static func list(_ nodes: Set<String>) -> String {
    nodes.isEmpty ? "none" : nodes.sorted().joined(separator: ", ")
  }

  /// The first parameter given in this invocation whose value differs from the run's record.
  static func differingParameter(record: RunRecord, parameters: Parameters)
    -> (name: String, recorded: String, given: String)?
  {
    for name in parameters.given.sorted() where record.parameters[name] != parameters[name] {
      return (
        name, record.parameters[name]?.description ?? "(unset)", parameters[name]?.description ?? "(unset)"
      )
    }
    return nil
  }

  /// The id of the step a run stopped at when nothing it did can have changed the target:
  /// every step the ledger shows as begun is an `up` step that only looks
  /// (``Step/changesTarget`` false) of the run's `target` (an existing cluster's are its own),
  /// and one of them failed. Nil otherwise.
  static func stepThatChangedNothing(_ ledger: Ledger, lab: LoadedLab, target: TargetInfo) -> String? {
    let steps = (try? lab.steps(for: .up, on: target)) ?? lab.steps(for: .up)
    let looking = Set(steps.filter { !$0.changesTarget }.map(\.id))
    // `run` tears a refused run down: with nothing changed by `up`, that teardown had nothing
    // of the run's to remove, so it does not count as a change.
    let begun = ledger.entries.filter { $0.state != .pending && $0.phase != .down }
    guard begun.allSatisfy({ $0.phase == .up && looking.contains($0.stepID) }) else { return nil }
    return begun.first { $0.state == .failed }?.stepID
  }

  /// Every readable run of `target` under runs/, for ``RunResumption``. Only directories
  /// whose name can be such a run's are read (a fleet's 64 hosts each reading every other
  /// host's ledger as they start was 4,096 reads and decodes).
  private func candidates(of target: String) -> [RunResumption.Candidate] {
    let runs = store.state.runsDirectory
    let names = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
    return names.filter { !$0.hasPrefix(".") && RunStore.mayBeRun(named: $0, of: target) }.compactMap {
      candidate(runs.appendingPathComponent($0, isDirectory: true))
    }
  }

  private func candidate(_ directory: URL) -> RunResumption.Candidate? {
    guard let record = try? RunStore.readRecord(in: directory),
      let ledger = try? RunStore.readLedger(in: directory)
    else { return nil }
    return RunResumption.Candidate(record: record, ledger: ledger)
  }
}

/// Why an existing run cannot be continued as asked.
public enum RunSelectionError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `--param` on a resume differs from the value the run recorded.
  case parameterDiffers(name: String, recorded: String, given: String, run: String)
  /// A cluster run resumed with other `--node`s than it recorded.
  case nodesDiffer(recorded: [String], given: [String], run: String)
  /// A phase needs an earlier one that has not finished.
  case phaseIncomplete(run: String, phase: Phase)

  public var description: String {
    switch self {
    case .parameterDiffers(let name, let recorded, let given, let run):
      return "run \(run) recorded \(name)=\(recorded) but --param gives \(given); "
        + "rerun with the same value to resume, or pass --new-run to start a new run"
    case .nodesDiffer(let recorded, let given, let run):
      let missing = recorded.filter { !given.contains($0) }
      let added = given.filter { !recorded.contains($0) }
      let words =
        (missing.isEmpty ? [] : ["without \(missing.joined(separator: ", "))"])
        + (added.isEmpty ? [] : ["with \(added.joined(separator: ", ")) it does not have"])
      return
        "run \(run) is a cluster of nodes \(recorded.isEmpty ? "none" : recorded.joined(separator: ", ")); "
        + "this command names it \(words.joined(separator: " and ")); pass the same --node set to resume it, "
        + "or `labrun down` it and pass --new-run to start afresh with these nodes"
    case .phaseIncomplete(let run, let phase):
      return "run \(run) has not finished `\(phase)`; run `labrun \(phase)` first (see `labrun status`)"
    }
  }

  public var errorDescription: String? { description }
}

extension RunSelectionError: ExitCodeProviding {
  /// A differing `--param` is a mistake in the parameters (2); a phase run too early is about
  /// the run's state (4).
  public var exitCode: Int32 {
    switch self {
    case .parameterDiffers, .nodesDiffer: return LabrunExitCode.labInvalid
    case .phaseIncomplete: return LabrunExitCode.runStateFailed
    }
  }
}
