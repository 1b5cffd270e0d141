import Foundation

/// One typed, resumable unit of a lab: "is it already done?" and "do it".
///
/// The pipeline calls ``check(_:)`` first; if it returns true the step is recorded as
/// `skipped-already-satisfied` and ``observe(_:)`` supplies its outputs; otherwise
/// ``apply(_:)`` runs and its ``Output`` is stored in the ledger for later steps
/// (``StepContext/output(of:)``). Steps reach the target only through the context, so every
/// command they run lands in the transcript, redacted.
public protocol Step: Sendable {
  /// Typed results later steps read (stored as JSON in ledger.json).
  associatedtype Output: Codable & Sendable = NoOutput

  /// Stable identifier, unique within a lab; the ledger is keyed by it.
  var id: String { get }
  /// One line for people: "Install k3s v1.33.5+k3s1".
  var title: String { get }
  /// The longest one attempt (check + apply) may take before it is stopped.
  var timeout: Duration { get }
  /// The attempt's bound for these parameters: a step that waits as long as a parameter
  /// says derives its bound from it, so the wait can report before the step is stopped.
  func timeout(_ parameters: Parameters) -> Duration
  /// Whether a rerun checks the step again even though the ledger says it finished: for
  /// steps that remove something (teardown), whose state another run or a failed
  /// verification can change after they finished.
  var rechecksWhenFinished: Bool { get }
  /// Whether applying the step may change the target. False for a preflight that only looks:
  /// a run that stopped at such a step changed nothing, so a rerun with other parameters
  /// starts a new run instead of refusing them (``LabRunLifecycle``).
  var changesTarget: Bool { get }
  /// How often and how patiently a failed attempt is retried.
  var retry: RetryPolicy { get }

  /// Whether the target is already in the state apply would produce. Must change nothing.
  func check(_ ctx: StepContext) async throws -> Bool
  /// Brings the target into the step's state and returns what later steps need.
  func apply(_ ctx: StepContext) async throws -> Output
  /// The outputs of a step whose check said it is already satisfied, read without
  /// changing anything.
  func observe(_ ctx: StepContext) async throws -> Output
  /// The commands apply would run, for `labrun plan`. Must not touch the target.
  func plan(_ ctx: PlanContext) throws -> [RemoteCommand]
}

extension Step {
  public var timeout: Duration { .seconds(600) }
  public func timeout(_ parameters: Parameters) -> Duration { timeout }
  public var retry: RetryPolicy { .none }
  public var rechecksWhenFinished: Bool { false }
  public var changesTarget: Bool { true }
}

extension Step where Output == NoOutput {
  public func observe(_ ctx: StepContext) async throws -> NoOutput { NoOutput() }
}

extension Step {
  /// Runs every command ``plan(_:)`` gives, in order, each required to exit 0: the whole
  /// apply of a step whose plan is exactly what it does.
  public func runPlanned(_ ctx: StepContext) async throws {
    for command in try plan(ctx.planContext) {
      try await ctx.runChecked(command)
    }
  }
}

/// The output of a step that produces nothing for later steps.
public struct NoOutput: Codable, Sendable, Hashable {
  public init() {}
}

/// How a failed attempt is retried: up to ``maxAttempts`` attempts in all, waiting
/// ``initialBackoff`` after the first failure, then multiplying by ``multiplier`` up to
/// ``maxBackoff``. Each attempt starts again from the step's check.
public struct RetryPolicy: Sendable, Hashable {
  public var maxAttempts: Int
  public var initialBackoff: Duration
  public var multiplier: Double
  public var maxBackoff: Duration

  public init(
    maxAttempts: Int, initialBackoff: Duration = .seconds(2), multiplier: Double = 2,
    maxBackoff: Duration = .seconds(60)
  ) {
    self.maxAttempts = max(1, maxAttempts)
    self.initialBackoff = initialBackoff
    self.multiplier = max(1, multiplier)
    self.maxBackoff = maxBackoff
  }

  /// One attempt, no retry.
  public static let none = RetryPolicy(maxAttempts: 1)

  /// The wait before attempt `attempt + 1`, after attempt `attempt` (1-based) failed.
  public func backoff(afterAttempt attempt: Int) -> Duration {
    let factor = pow(multiplier, Double(max(0, attempt - 1)))
    let seconds = min(initialBackoff.seconds * factor, maxBackoff.seconds)
    return .milliseconds(Int64((seconds * 1000).rounded()))
  }
}

/// What `labrun plan` shows for one step.
public struct PlannedStep: Sendable, Hashable, Codable {
  public var phase: Phase
  public var id: String
  public var title: String
  public var commands: [String]
  public var timeoutSeconds: Double
  public var maxAttempts: Int

  enum CodingKeys: String, CodingKey {
    case phase, id, title, commands
    case timeoutSeconds = "timeout_s"
    case maxAttempts = "max_attempts"
  }
}

/// What a step's ``Step/plan(_:)`` may see: parameters and the target's description, never
/// the transport, so planning cannot run anything.
public struct PlanContext: Sendable {
  public let parameters: Parameters
  public let target: TargetInfo
  /// The invocation's flags (`--purge` for `plan --purge`).
  public let options: LifecycleOptions

  public init(parameters: Parameters, target: TargetInfo, options: LifecycleOptions = LifecycleOptions()) {
    self.parameters = parameters
    self.target = target
    self.options = options
  }

  /// Stands for a value an earlier step will produce (e.g. the Kubernetes version).
  public func placeholder(_ name: String) -> String { "<\(name)>" }
}
