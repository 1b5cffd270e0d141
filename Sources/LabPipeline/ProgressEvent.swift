import Foundation

/// What the pipeline reports while it works; labrun decides how to show it.
public enum ProgressEvent: Sendable, Hashable {
  /// A phase starts with this many steps.
  case phaseStarted(Phase, stepCount: Int)
  /// A step's attempt begins (check, then apply).
  case stepStarted(StepProgress)
  /// A step did not run: its check said it is satisfied, or an earlier invocation did it.
  case stepSkipped(StepProgress, reason: SkipReason)
  /// A step applied successfully.
  case stepFinished(StepProgress, elapsed: Duration)
  /// An attempt failed and will be retried after `delay`.
  case stepRetrying(StepProgress, attempt: Int, maxAttempts: Int, delay: Duration, message: String)
  /// A step failed for good; the phase stops.
  case stepFailed(StepProgress, elapsed: Duration, failure: StepFailureRecord)
  /// A step is waiting for a condition on the target.
  case waiting(StepProgress, what: String, elapsed: Duration)
  /// A note from a step.
  case note(StepProgress, String)
  /// Every step of the phase is done or satisfied.
  case phaseFinished(Phase, elapsed: Duration)
}

/// Which step an event is about.
public struct StepProgress: Sendable, Hashable {
  public var phase: Phase
  public var id: String
  public var title: String
  /// 1-based position in the phase.
  public var index: Int
  public var count: Int

  public init(phase: Phase, id: String, title: String, index: Int, count: Int) {
    self.phase = phase
    self.id = id
    self.title = title
    self.index = index
    self.count = count
  }
}

/// Why a step was skipped.
public enum SkipReason: String, Sendable, Hashable {
  /// Its check said the target is already in the wanted state.
  case alreadySatisfied = "already satisfied"
  /// The ledger says an earlier invocation finished it.
  case doneEarlier = "done in an earlier invocation"
}

/// Receives progress events; called from the pipeline's tasks, so it must be thread-safe.
public typealias ProgressHandler = @Sendable (ProgressEvent) -> Void
