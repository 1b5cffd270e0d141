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
  /// What the run lifecycle says about the run as a whole (new run, resuming, tearing down,
  /// the verdicts), one line each (``LabRunLifecycle``).
  case runNote(String)
  /// A failure the lifecycle goes on after (it still tears down), said when it happens; the
  /// message is redacted.
  case runFailed(String)
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

/// Why a step was skipped: the engine's words, or the step's own (``isStepWords``).
public struct SkipReason: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
  public var rawValue: String
  /// The step said what its satisfied check means ("kept k3s: no --purge", "preflight
  /// passed"): shown as is, not as "skipped: …".
  public var isStepWords: Bool

  public init(rawValue: String) {
    self.rawValue = rawValue
    self.isStepWords = false
  }

  /// Its check said the target is already in the wanted state.
  public static let alreadySatisfied = SkipReason(rawValue: "already satisfied")
  /// The ledger says an earlier invocation finished it.
  public static let doneEarlier = SkipReason(rawValue: "done in an earlier invocation")

  /// The case's name for the engine's reasons (as when this was an enum), else the words.
  public var description: String {
    switch self {
    case .alreadySatisfied: return "alreadySatisfied"
    case .doneEarlier: return "doneEarlier"
    default: return rawValue
    }
  }

  /// The step's own words for what its satisfied check found.
  public static func stepWords(_ words: String) -> SkipReason {
    var reason = SkipReason(rawValue: words)
    reason.isStepWords = true
    return reason
  }
}

/// Receives progress events; called from the pipeline's tasks, so it must be thread-safe.
public typealias ProgressHandler = @Sendable (ProgressEvent) -> Void
