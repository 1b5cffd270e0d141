import Foundation
import LabPipeline

/// A pod that must stay Pending (exercises 4 and 9), as its `kubectl get pod` row and its
/// `describe` events show it. Either file alone can contradict the claim: a status past Pending,
/// or a `Scheduled` event.
struct PendingPodEvidence {
  /// How the evidence shows the pod placed.
  enum Placement {
    /// Its status, neither Pending nor SchedulingGated.
    case status(String)
    /// A `Scheduled` event.
    case scheduled
  }

  let row: KubectlTable.Row?
  let events: KubeEvents?

  /// Reads both files, citing them and excerpting the pod's row.
  init(pod: String, status: Artifact?, events: Artifact?, into outcome: inout CheckOutcome) {
    outcome.cite(status)
    outcome.cite(events)
    row = status.flatMap { KubectlTable.row(named: pod, in: $0.outputLines) }
    self.events = events.flatMap { KubeEvents(lines: $0.outputLines) }
    if let row { outcome.excerpt.append(row.line) }
  }

  /// The STATUS column, empty when unknown.
  var status: String { row?["STATUS"] ?? "" }

  /// How the pod was placed, if it was (the Scheduled event excerpted).
  func placement(_ outcome: inout CheckOutcome) -> Placement? {
    if row != nil, !status.isEmpty, status != "Pending", status != "SchedulingGated" {
      return .status(status)
    }
    if let scheduled = events?.events.first(where: { $0.reason == "Scheduled" }) {
      outcome.excerpt.append(scheduled.line)
      return .scheduled
    }
    return nil
  }
}
