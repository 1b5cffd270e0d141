import Foundation

/// ledger.json: the state of every step of a run, rewritten atomically after each transition.
public struct Ledger: Sendable, Hashable, Codable {
  public static let schemaName = "labrun.ledger/v1"

  public var schema: String
  public var entries: [LedgerEntry]

  public init(entries: [LedgerEntry] = []) {
    self.schema = Self.schemaName
    self.entries = entries
  }

  /// The entry for `stepID` in `phase`, if the step has been seen.
  public func entry(phase: Phase, stepID: String) -> LedgerEntry? {
    entries.first { $0.phase == phase && $0.stepID == stepID }
  }

  /// Replaces the entry with the same phase and step id, or appends it.
  public mutating func upsert(_ entry: LedgerEntry) {
    if let index = entries.firstIndex(where: { $0.phase == entry.phase && $0.stepID == entry.stepID }) {
      entries[index] = entry
    } else {
      entries.append(entry)
    }
  }

  /// Entries of one phase, in order.
  public func entries(of phase: Phase) -> [LedgerEntry] {
    entries.filter { $0.phase == phase }
  }

  /// Whether every step of `phase` listed here is done or was already satisfied.
  public func isComplete(_ phase: Phase) -> Bool {
    let phaseEntries = entries(of: phase)
    return !phaseEntries.isEmpty && phaseEntries.allSatisfy { $0.state.isFinished }
  }
}

/// A pipeline phase: the commands `labrun up`, `exercises` and `down`.
public enum Phase: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
  case up, exercises, down

  public var description: String { rawValue }
}

/// One step's record in the ledger.
public struct LedgerEntry: Sendable, Hashable, Codable {
  public var phase: Phase
  public var stepID: String
  public var title: String
  public var state: StepState
  /// How many times apply (or check) was attempted in the invocation that last ran it.
  public var attempts: Int
  public var startedAt: Date?
  public var finishedAt: Date?
  /// The step's typed outputs, encoded as JSON.
  public var outputs: RecordedValue?
  /// Why the step failed, for `failed`.
  public var error: StepFailureRecord?

  public init(
    phase: Phase, stepID: String, title: String, state: StepState = .pending, attempts: Int = 0,
    startedAt: Date? = nil, finishedAt: Date? = nil, outputs: RecordedValue? = nil,
    error: StepFailureRecord? = nil
  ) {
    self.phase = phase
    self.stepID = stepID
    self.title = title
    self.state = state
    self.attempts = attempts
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.outputs = outputs
    self.error = error
  }

  enum CodingKeys: String, CodingKey {
    case phase, title, state, attempts, outputs, error
    case stepID = "step"
    case startedAt = "started_at"
    case finishedAt = "finished_at"
  }
}

/// Where a step stands.
public enum StepState: String, Sendable, Hashable, Codable, CaseIterable {
  /// Not started yet.
  case pending
  /// Started and not finished: either running now, or labrun was killed while it ran.
  case running
  /// Applied successfully.
  case done
  /// Its check said the target was already in the wanted state; apply was not run.
  case skippedAlreadySatisfied = "skipped-already-satisfied"
  /// Failed; see the entry's error.
  case failed

  /// Done or already satisfied: a resumed run does not run it again.
  public var isFinished: Bool { self == .done || self == .skippedAlreadySatisfied }
}

/// Why a step failed, as kept in the ledger (already redacted).
public struct StepFailureRecord: Sendable, Hashable, Codable {
  public var message: String
  /// The last command the step ran, if any.
  public var command: String?
  /// The last lines of that command's output.
  public var outputTail: String?

  public init(message: String, command: String? = nil, outputTail: String? = nil) {
    self.message = message
    self.command = command
    self.outputTail = outputTail
  }

  enum CodingKeys: String, CodingKey {
    case message, command
    case outputTail = "output_tail"
  }
}
