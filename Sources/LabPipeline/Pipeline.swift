import Foundation

/// Runs a phase's steps in order against one target and records every transition.
///
/// Per step: if the ledger says an earlier invocation finished it (done or
/// skipped-already-satisfied) it is not run again and its recorded outputs are reused —
/// resuming trusts the ledger, which is what makes a resume fast and keeps outputs stable.
/// Otherwise (pending, running when labrun was killed, failed) it starts from its check:
/// satisfied → `skipped-already-satisfied` with ``Step/observe(_:)``'s outputs; not
/// satisfied → apply. Each attempt is bounded by the step's timeout and failed attempts are
/// retried per its ``RetryPolicy``. The first step that fails for good stops the phase with
/// ``PipelineError/stepFailed(phase:step:title:failure:)``. Every transition is saved to
/// ledger.json atomically before the next thing happens.
public actor Pipeline {
  private enum State {
    case idle
    case running(Phase, step: String?)
    case finished(Phase)
    case failed(Phase, step: String)
  }

  private var state: State = .idle
  private let run: RunDirectory
  private let transport: any Transport
  private let progress: ProgressHandler
  private var outputs: [String: RecordedValue] = [:]

  /// The parameters this invocation was given with `--param` (``Parameters/given``): each
  /// step's parameters are read from run.json, which does not record them.
  let givenParameters: Set<String>
  /// The invocation's flags, for every step's context.
  let options: LifecycleOptions

  public init(
    run: RunDirectory, transport: any Transport, progress: @escaping ProgressHandler = { _ in },
    givenParameters: Set<String> = [], options: LifecycleOptions = LifecycleOptions()
  ) {
    self.givenParameters = givenParameters
    self.options = options
    self.run = run
    self.transport = transport
    self.progress = progress
  }

  /// Runs `steps` as `phase`; returns when all are done or satisfied, throws on the first
  /// step that fails for good.
  public func run(_ phase: Phase, steps: [any Step]) async throws {
    if case .running(let current, _) = state { throw PipelineError.alreadyRunning(current) }
    try Self.checkUniqueIDs(steps)
    state = .running(phase, step: nil)
    let clock = ContinuousClock()
    let phaseStart = clock.now
    let target = await transport.target
    let ledger = await run.currentLedger
    for entry in ledger.entries where entry.state.isFinished {
      if let value = entry.outputs { outputs[entry.stepID] = value }
    }
    // List every step of the phase as pending first, so the ledger shows the whole phase.
    for step in steps where ledger.entry(phase: phase, stepID: step.id) == nil {
      try await run.update(LedgerEntry(phase: phase, stepID: step.id, title: step.title))
    }
    progress(.phaseStarted(phase, stepCount: steps.count))
    for (offset, step) in steps.enumerated() {
      let position = StepProgress(
        phase: phase, id: step.id, title: step.title, index: offset + 1, count: steps.count)
      state = .running(phase, step: step.id)
      if let previous = ledger.entry(phase: phase, stepID: step.id), previous.state.isFinished,
        !step.rechecksWhenFinished
      {
        progress(.stepSkipped(position, reason: .doneEarlier))
        continue
      }
      do {
        // Re-read per step: an earlier step may have recorded a computed parameter.
        var parameters = Parameters(await run.runRecord.parameters)
        parameters.given = givenParameters
        try await execute(step, position: position, parameters: parameters, target: target)
      } catch {
        state = .failed(phase, step: step.id)
        throw error
      }
    }
    state = .finished(phase)
    progress(.phaseFinished(phase, elapsed: clock.now - phaseStart))
  }

  /// The steps and the commands each would run, from the parameters and the target's
  /// description alone.
  ///
  /// Steps get a ``PlanContext``, which has no transport, so planning cannot run anything
  /// on the target.
  public nonisolated static func plan(
    _ phase: Phase, steps: [any Step], parameters: Parameters, target: TargetInfo,
    options: LifecycleOptions = LifecycleOptions()
  ) throws -> [PlannedStep] {
    try checkUniqueIDs(steps)
    let context = PlanContext(parameters: parameters, target: target, options: options)
    return try steps.map { step in
      let commands = try step.plan(context)
      return PlannedStep(
        phase: phase, id: step.id, title: step.title,
        // A cluster node's command says where it runs; the server's (and one host's) as it is.
        commands: commands.map { command in
          command.node.map { "[on \($0)] " }.map { $0 + command.description } ?? command.description
        },
        inputs: commands.enumerated().compactMap { index, command in
          command.stdin.map { PlannedInput(command: index, stdin: String(decoding: $0, as: UTF8.self)) }
        },
        timeoutSeconds: step.timeout(parameters).seconds, maxAttempts: step.retry.maxAttempts)
    }
  }

  private static func checkUniqueIDs(_ steps: [any Step]) throws {
    var seen = Set<String>()
    for step in steps where !seen.insert(step.id).inserted {
      throw PipelineError.duplicateStepID(step.id)
    }
  }

  private func execute(
    _ step: some Step, position: StepProgress, parameters: Parameters, target: TargetInfo
  ) async throws {
    let clock = ContinuousClock()
    let start = clock.now
    let startedAt = Date()
    let log = CommandLog()
    let context = StepContext(
      step: position, parameters: parameters, target: target,
      transport: TranscribingTransport(stepID: step.id, inner: transport, run: run, log: log),
      run: run, outputs: outputs, progress: progress, options: options)
    let policy = step.retry
    var attempt = 0
    while true {
      attempt += 1
      try await run.update(
        LedgerEntry(
          phase: position.phase, stepID: step.id, title: step.title, state: .running, attempts: attempt,
          startedAt: startedAt))
      progress(.stepStarted(position))
      await log.reset()
      do {
        // What an earlier attempt that did not finish wrote is undone: the evidence is this attempt's.
        try await run.startAttempt(context.attempt)
        let (satisfied, output) = try await Self.attempt(
          step, context: context, timeout: step.timeout(parameters))
        let value = try RecordedValue(encoding: output)
        outputs[step.id] = value
        try await run.update(
          LedgerEntry(
            phase: position.phase, stepID: step.id, title: step.title,
            state: satisfied ? .skippedAlreadySatisfied : .done, attempts: attempt, startedAt: startedAt,
            finishedAt: Date(), outputs: value))
        try await run.finishAttempt(context.attempt)
        let words = context.satisfiedWords.take()
        if satisfied {
          progress(.stepSkipped(position, reason: words.map(SkipReason.stepWords) ?? .alreadySatisfied))
        } else {
          progress(.stepFinished(position, elapsed: clock.now - start))
        }
        return
      } catch {
        let cancelled = error is CancellationError || Task.isCancelled
        var failure = await failureRecord(for: error, log: log)
        if cancelled { failure.message = "interrupted (labrun was cancelled while the step ran)" }
        if !cancelled, attempt < policy.maxAttempts {
          let delay = policy.backoff(afterAttempt: attempt)
          try await run.update(
            LedgerEntry(
              phase: position.phase, stepID: step.id, title: step.title, state: .running, attempts: attempt,
              startedAt: startedAt, error: failure))
          progress(
            .stepRetrying(
              position, attempt: attempt, maxAttempts: policy.maxAttempts, delay: delay,
              message: failure.message))
          try await Task.sleep(for: delay)
          continue
        }
        try await run.update(
          LedgerEntry(
            phase: position.phase, stepID: step.id, title: step.title, state: .failed, attempts: attempt,
            startedAt: startedAt, finishedAt: Date(), error: failure))
        progress(.stepFailed(position, elapsed: clock.now - start, failure: failure))
        if cancelled { throw PipelineError.interrupted(phase: position.phase, step: step.id) }
        throw PipelineError.stepFailed(
          phase: position.phase, step: step.id, title: run.redactor.redact(step.title), failure: failure)
      }
    }
  }

  /// One attempt: check, then apply or observe, bounded by the step's timeout.
  private static func attempt<S: Step>(
    _ step: S, context: StepContext, timeout: Duration
  ) async throws -> (Bool, S.Output) {
    return try await withThrowingTaskGroup(of: (Bool, S.Output)?.self) { group in
      group.addTask {
        if try await step.check(context) {
          return (true, try await step.observe(context))
        }
        return (false, try await step.apply(context))
      }
      group.addTask {
        try await Task.sleep(for: timeout)
        return nil
      }
      defer { group.cancelAll() }
      guard let first = try await group.next(), let result = first else {
        throw StepError.timedOut(step: step.id, after: timeout)
      }
      return result
    }
  }

  private func failureRecord(for error: any Error, log: CommandLog) async -> StepFailureRecord {
    let redactor = run.redactor
    if case StepError.commandFailed(let command, _, let tail) = error {
      return StepFailureRecord(
        message: redactor.redact(String(describing: error)), command: command, outputTail: tail)
    }
    let command = await log.lastCommand
    let output = await log.lastOutput
    return StepFailureRecord(
      message: redactor.redact(String(describing: error)), command: command.map(redactor.redact),
      outputTail: command == nil ? nil : StepError.tail(of: redactor.redact(output)))
  }
}

/// Why a phase stopped.
public enum PipelineError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// A step failed after all its attempts; the ledger has the details.
  case stepFailed(phase: Phase, step: String, title: String, failure: StepFailureRecord)
  /// The task running the phase was cancelled (SIGINT/SIGTERM) during a step.
  case interrupted(phase: Phase, step: String)
  /// Two steps of one lab share an id, which would corrupt the ledger.
  case duplicateStepID(String)
  /// `run` was called while another phase was running on this pipeline.
  case alreadyRunning(Phase)

  public var description: String {
    switch self {
    case .stepFailed(let phase, let step, let title, let failure):
      var text = "\(phase) stopped: step \(step) (\(title)) failed: \(failure.message)"
      if let command = failure.command { text += "\n  last command: \(command)" }
      if let tail = failure.outputTail, !tail.isEmpty {
        text +=
          "\n  output (last lines):\n"
          + tail.split(separator: "\n", omittingEmptySubsequences: false)
          .map { "    " + $0 }.joined(separator: "\n")
      }
      text += "\nFix the cause and run the same command again: finished steps are not repeated."
      return text
    case .interrupted(let phase, let step):
      return "\(phase) interrupted during step \(step); run the same command again to resume"
    case .duplicateStepID(let id):
      return "two steps have the id '\(id)'; step ids must be unique within a lab"
    case .alreadyRunning(let phase):
      return "the pipeline is already running \(phase); run one phase at a time"
    }
  }

  public var errorDescription: String? { description }
}

extension PipelineError: ExitCodeProviding {
  public var exitCode: Int32 {
    if case .interrupted = self { return LabrunExitCode.interrupted }
    return LabrunExitCode.stepFailed
  }
}
