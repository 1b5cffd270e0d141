import Foundation
import LabPipeline
import Testing

/// Issue 12 item 2: which run `labrun run` and `labrun up` continue.
@Suite struct RunResumptionTests {
  static func candidate(
    _ id: String, lab: String = "lab", target: String = "sim", startedAt: TimeInterval,
    _ states: [(Phase, StepState)]
  ) -> RunResumption.Candidate {
    let entries = states.enumerated().map { index, pair in
      LedgerEntry(phase: pair.0, stepID: "s\(index)", title: "step \(index)", state: pair.1)
    }
    return RunResumption.Candidate(
      record: RunRecord(
        runID: id, lab: lab, target: TargetInfo(name: target, kind: .simulated),
        startedAt: Date(timeIntervalSince1970: startedAt), parameters: [:]),
      ledger: Ledger(entries: entries))
  }

  @Test func runResumesTheNewestUnfinishedRunOfItsLabAndTarget() {
    let old = Self.candidate("old", startedAt: 1, [(.up, .failed)])
    let newest = Self.candidate("newest", startedAt: 3, [(.up, .done), (.exercises, .running)])
    let otherTarget = Self.candidate("other", target: "gpu-vm", startedAt: 4, [(.up, .failed)])
    let otherLab = Self.candidate("lab2", lab: "selftest", startedAt: 5, [(.up, .failed)])
    let decision = RunResumption.forRun(
      lab: "lab", target: "sim", candidates: [old, newest, otherTarget, otherLab], newRun: false)
    #expect(decision == .resume(runID: "newest", reopen: false))
  }

  @Test func aRunWhoseExercisesCompletedIsCompleteWhateverItsDown() {
    let complete = Self.candidate("c", startedAt: 1, [(.up, .done), (.exercises, .done), (.down, .failed)])
    #expect(
      RunResumption.forRun(lab: "lab", target: "sim", candidates: [complete], newRun: false) == .startNew)
  }

  @Test func aRunTornDownAfterItsFailureIsReopened() {
    let tornDown = Self.candidate("t", startedAt: 1, [(.up, .done), (.up, .failed), (.down, .done)])
    #expect(
      RunResumption.forRun(lab: "lab", target: "sim", candidates: [tornDown], newRun: false)
        == .resume(runID: "t", reopen: true))
    let reopened = tornDown.ledger.reopenedAfterTeardown()
    #expect(reopened.entries.map(\.state) == [.pending, .failed])
    #expect(reopened.entries(of: .down).isEmpty)
  }

  @Test func newRunAlwaysStartsAfresh() {
    let failed = Self.candidate("f", startedAt: 1, [(.up, .failed)])
    #expect(RunResumption.forRun(lab: "lab", target: "sim", candidates: [failed], newRun: true) == .startNew)
    #expect(RunResumption.forUp(lab: "lab", target: "sim", current: failed, newRun: true) == .startNew)
  }

  @Test func upResumesTheCurrentRunUntilItsDownStarted() {
    let ready = Self.candidate("r", startedAt: 1, [(.up, .done)])
    #expect(
      RunResumption.forUp(lab: "lab", target: "sim", current: ready, newRun: false)
        == .resume(runID: "r", reopen: false))
    let down = Self.candidate("d", startedAt: 1, [(.up, .done), (.down, .running)])
    #expect(RunResumption.forUp(lab: "lab", target: "sim", current: down, newRun: false) == .startNew)
    #expect(RunResumption.forUp(lab: "lab", target: "gpu-vm", current: ready, newRun: false) == .startNew)
  }
}
