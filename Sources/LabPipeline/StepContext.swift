import Foundation

/// Everything a running step may use: the target (through a recording transport), the
/// run's parameters, earlier steps' outputs, the artifact writer and progress.
public struct StepContext: Sendable {
  /// The step this context belongs to.
  public let step: StepProgress
  public let parameters: Parameters
  public let target: TargetInfo
  /// This invocation's flags (`--purge`, `--break-lock`, `--accept-leftovers`).
  public let options: LifecycleOptions
  /// The target, wrapped so that every command is recorded in transcript.jsonl (redacted).
  public let transport: TranscribingTransport
  /// The run's redactor; ``registerSecret(_:)`` adds to it.
  public var redactor: Redactor { run.redactor }
  let run: RunDirectory
  /// The cluster node an ``on(_:)`` context works on: its recorded parameters are its own.
  let node: String?
  let outputs: [String: RecordedValue]
  let progress: ProgressHandler
  /// What a satisfied check said it found (``satisfied(_:)``), for the progress line.
  let satisfiedWords = SatisfiedWords()

  init(
    step: StepProgress, parameters: Parameters, target: TargetInfo, transport: TranscribingTransport,
    run: RunDirectory, outputs: [String: RecordedValue], progress: @escaping ProgressHandler,
    options: LifecycleOptions = LifecycleOptions(), node: String? = nil
  ) {
    self.node = node
    self.step = step
    self.parameters = parameters
    self.target = target
    self.options = options
    self.transport = transport
    self.run = run
    self.outputs = outputs
    self.progress = progress
  }

  /// The cluster's other nodes (the agents, as `--node` named them); empty for one host.
  public var nodes: [String] { target.nodes?.map(\.name) ?? [] }

  /// This context with every command sent to cluster node `node` (an agent) instead of the
  /// server; recorded in transcript.jsonl with that node.
  ///
  /// Values a step records there (``recordParameter(_:_:)``: `installed_toolkit`) are the node's
  /// own (`installed_toolkit@gpu-2` in run.json) and read back under their plain name, so a step
  /// run on each node never mistakes one node's record for another's.
  public func on(_ node: String) -> StepContext {
    var own = parameters
    for (name, value) in parameters.values where name.hasSuffix("@" + node) {
      own[String(name.dropLast(node.count + 1))] = value
    }
    return StepContext(
      step: step, parameters: own, target: target, transport: transport.routed(to: node), run: run,
      outputs: outputs, progress: progress, options: options, node: node)
  }

  /// The id of the run this step belongs to.
  public var runID: String { get async { await run.id } }

  /// What ``Step/plan(_:)`` sees of this context: the same parameters and target.
  public var planContext: PlanContext {
    PlanContext(parameters: parameters, target: target, options: options)
  }

  // MARK: commands

  /// Runs `command` on the target; a non-zero exit status is returned, not thrown.
  public func run(_ command: RemoteCommand) async throws -> CommandOutput {
    try await transport.run(command)
  }

  /// Runs `script` on the target; a non-zero exit status is returned, not thrown.
  public func run(_ script: String, privileged: Bool = false, timeout: Duration? = nil) async throws
    -> CommandOutput
  {
    try await transport.run(RemoteCommand(script, privileged: privileged, timeout: timeout))
  }

  /// Runs `command` and throws ``StepError/commandFailed(command:exitStatus:outputTail:)``
  /// unless it exits 0.
  @discardableResult
  public func runChecked(_ command: RemoteCommand) async throws -> CommandOutput {
    let output = try await transport.run(command)
    guard output.succeeded else {
      throw StepError.commandFailed(
        command: redactor.redact(command.description), exitStatus: output.exitStatus,
        outputTail: StepError.tail(of: redactor.redact(output.stdout + output.stderr)))
    }
    return output
  }

  /// Runs `script` and throws unless it exits 0.
  @discardableResult
  public func runChecked(_ script: String, privileged: Bool = false, timeout: Duration? = nil) async throws
    -> CommandOutput
  {
    try await runChecked(RemoteCommand(script, privileged: privileged, timeout: timeout))
  }

  /// Whether `name` is a command on the target's PATH.
  public func hasCommand(_ name: String) async throws -> Bool {
    try await run("command -v \(ShellQuote.quote(name)) >/dev/null 2>&1").succeeded
  }

  // MARK: artifacts

  /// Runs each command and appends a `$ command` section with its combined output to
  /// `artifacts/<file>`; SHA256SUMS is rewritten after each. With `requireSuccess`, a
  /// non-zero exit status fails the step after its output has been saved.
  @discardableResult
  public func capture(_ commands: [RemoteCommand], into file: String, requireSuccess: Bool = true)
    async throws -> [CommandOutput]
  {
    var outputs: [CommandOutput] = []
    for command in commands {
      let output = try await transport.run(command)
      try await run.appendArtifactSection(
        to: file, command: command.description, output: output.stdoutText + output.stderrText,
        attempt: attempt)
      outputs.append(output)
      if requireSuccess, !output.succeeded {
        throw StepError.commandFailed(
          command: redactor.redact(command.description), exitStatus: output.exitStatus,
          outputTail: StepError.tail(of: redactor.redact(output.stdout + output.stderr)))
      }
    }
    return outputs
  }

  /// Appends a section to an artifact from output already in hand.
  public func appendArtifact(_ file: String, command: String, output: String) async throws {
    try await run.appendArtifactSection(to: file, command: command, output: output, attempt: attempt)
  }

  /// This step's key in the run's ``ArtifactJournal``: what it writes is undone if it does not finish.
  var attempt: String { ArtifactJournal.key(phase: step.phase, step: step.id) }

  // MARK: outputs and parameters

  /// The recorded output of the earlier step `stepID`, as `type`.
  public func output<T: Decodable>(_ type: T.Type, of stepID: String) throws -> T {
    guard let value = outputs[stepID] else { throw StepError.missingOutput(step: stepID) }
    do {
      return try value.decode(as: type)
    } catch {
      throw StepError.unreadableOutput(step: stepID, detail: String(describing: error))
    }
  }

  /// The recorded output of the earlier step `step`.
  public func output<S: Step>(of step: S) throws -> S.Output {
    try output(S.Output.self, of: step.id)
  }

  /// Records a computed value (e.g. a size derived from the hardware) in run.json's parameters.
  public func recordParameter(_ name: String, _ value: RecordedValue) async throws {
    try await run.recordParameter(node.map { name + "@" + $0 } ?? name, value)
  }

  /// Hides `secret` in everything the run writes or prints from now on.
  public func registerSecret(_ secret: String) {
    redactor.register(secret)
  }

  // MARK: progress

  /// A short note shown to the user.
  public func note(_ message: String) {
    progress(.note(step, redactor.redact(message)))
  }

  /// Says what a check that returns true found, in the step's words ("kept k3s: no --purge",
  /// "preflight passed"); the progress line shows them instead of "skipped: already satisfied".
  public func satisfied(_ words: String) {
    satisfiedWords.set(redactor.redact(words))
  }

  /// Polls `condition` every `interval` until it returns true, reporting the wait; throws
  /// ``StepError/waitTimedOut(what:after:)`` after `timeout`.
  public func wait(
    for what: String, timeout: Duration, interval: Duration = .seconds(2),
    until condition: @Sendable () async throws -> Bool
  ) async throws {
    let clock = ContinuousClock()
    let start = clock.now
    while true {
      if try await condition() { return }
      let elapsed = clock.now - start
      if elapsed >= timeout { throw StepError.waitTimedOut(what: what, after: timeout) }
      progress(.waiting(step, what: what, elapsed: elapsed))
      try await Task.sleep(for: min(interval, timeout - elapsed))
    }
  }
}

/// Why a step failed, from the helpers on ``StepContext`` and the pipeline.
public enum StepError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// A command the step needed exited non-zero.
  case commandFailed(command: String, exitStatus: Int32, outputTail: String)
  /// A waited-for condition did not come true in time.
  case waitTimedOut(what: String, after: Duration)
  /// One attempt ran past the step's timeout and was stopped.
  case timedOut(step: String, after: Duration)
  /// A step read the output of a step that has not run.
  case missingOutput(step: String)
  /// A recorded output no longer decodes as the step's Output type.
  case unreadableOutput(step: String, detail: String)
  /// A step's own check of what it found failed.
  case unexpected(String)

  public var description: String {
    switch self {
    case .commandFailed(let command, let status, _):
      return "command exited with status \(status): \(command)"
    case .waitTimedOut(let what, let after):
      return "gave up waiting for \(what) after \(after.formattedSeconds); "
        + "check the target, or raise the lab's wait timeout with --param"
    case .timedOut(let step, let after):
      return "step \(step) did not finish within \(after.formattedSeconds) and was stopped"
    case .missingOutput(let step):
      return "no recorded output of step '\(step)': it has not run in this run; "
        + "run the earlier phase first (labrun up)"
    case .unreadableOutput(let step, let detail):
      return "the recorded output of step '\(step)' cannot be read (\(detail)); "
        + "start a new run with `labrun up --new-run`"
    case .unexpected(let message):
      return message
    }
  }

  public var errorDescription: String? { description }

  /// The last `lines` lines of `text`.
  public static func tail(of text: String, lines: Int = 20) -> String {
    let all = text.split(separator: "\n", omittingEmptySubsequences: false)
    let trimmed = all.last == "" ? all.dropLast() : all[...]
    return trimmed.suffix(lines).joined(separator: "\n")
  }
}

extension StepError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.stepFailed }
}

/// The words a step's satisfied check chose; set from the step's task, read by the pipeline.
final class SatisfiedWords: @unchecked Sendable {
  private let lock = NSLock()
  private var words: String?

  func set(_ value: String) {
    lock.lock()
    defer { lock.unlock() }
    words = value
  }

  /// The words, cleared (each attempt starts without any).
  func take() -> String? {
    lock.lock()
    defer { lock.unlock() }
    let value = words
    words = nil
    return value
  }
}
