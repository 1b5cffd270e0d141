import Foundation

/// Which run a pipeline command continues: the policy behind "run the same command again to
/// resume", kept out of the commands so it is decided (and tested) in one place.
public enum RunResumption: Sendable, Hashable {
  /// Continue the run with this id. `reopen` is true when its `down` phase has started
  /// (`labrun run` tore it down after a failure): the ledger is then reopened
  /// (``Ledger/reopenedAfterTeardown()``) so the steps down undid are checked again.
  case resume(runID: String, reopen: Bool)
  /// Start a new run.
  case startNew

  /// One run on disk, as the policy sees it.
  public struct Candidate: Sendable, Hashable {
    public var record: RunRecord
    public var ledger: Ledger

    public init(record: RunRecord, ledger: Ledger) {
      self.record = record
      self.ledger = ledger
    }
  }

  /// `labrun run`: the newest run of this lab and target, when it is unfinished (a step
  /// failed or was interrupted, or the exercises have not completed). A run whose exercises
  /// completed is complete, whatever its verdicts, so another `labrun run` starts afresh;
  /// so does `newRun` (`--new-run`).
  public static func forRun(
    lab: String, target: String, candidates: [Candidate], newRun: Bool
  ) -> RunResumption {
    guard !newRun else { return .startNew }
    let matching = candidates.filter { $0.record.lab == lab && $0.record.target.name == target }
    guard
      let newest = matching.max(by: {
        ($0.record.startedAt, $0.record.runID) < ($1.record.startedAt, $1.record.runID)
      })
    else { return .startNew }
    if newest.ledger.isComplete(.exercises) { return .startNew }
    return .resume(runID: newest.record.runID, reopen: !newest.ledger.entries(of: .down).isEmpty)
  }

  /// `labrun up`: the current run when it is of this lab and target and its `down` phase
  /// has not started; `newRun` (`--new-run`) starts afresh.
  public static func forUp(lab: String, target: String, current: Candidate?, newRun: Bool) -> RunResumption {
    guard !newRun, let current, current.record.lab == lab, current.record.target.name == target,
      current.ledger.entries(of: .down).isEmpty
    else { return .startNew }
    return .resume(runID: current.record.runID, reopen: false)
  }
}

extension Ledger {
  /// The ledger of a torn-down run that is resumed: the `down` entries are dropped (down runs
  /// again at the end) and every finished `up` and `exercises` step is pending again, so it
  /// starts from its check: what down left in place is skipped as already satisfied, what it
  /// removed is applied again. Failed and interrupted steps keep their state.
  public func reopenedAfterTeardown() -> Ledger {
    var reopened = self
    reopened.entries = entries.compactMap { entry in
      guard entry.phase != .down else { return nil }
      guard entry.state.isFinished else { return entry }
      var copy = entry
      copy.state = .pending
      copy.finishedAt = nil
      return copy
    }
    return reopened
  }
}
