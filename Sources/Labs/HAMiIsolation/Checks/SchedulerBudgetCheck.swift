import Foundation
import LabPipeline

/// Exercise 4: PASS iff the oversubscribe pod is Pending with FilteringFailed /
/// CardInsufficientMemory, and its request fits an empty card but not beside the slices
/// (checked from run.json).
struct SchedulerBudgetCheck: HAMiCheck {
  static let heading = ExerciseHeading(
    "4", "Per-device budget (scheduler)",
    criteria: "a pod that fits an empty card stays Pending beside the slices")
  static let statusFile = HAMiCatalog.oversubscribeStatus
  static let eventsFile = HAMiCatalog.oversubscribeEvents
  static let registrationFile = HAMiCatalog.nodeAllocatable

  /// HAMi scheduler failure reasons other than the memory budget.
  static let otherHAMiReasons = [
    "CardInsufficientCore", "CardTypeMismatch", "CardUuidMismatch", "CardNotHealth", "NodeInsufficientDevice",
    "NodeUnfitPod", "ResourceQuotaNotFit", "AllocatedCardsInsufficientRequest", "NumaNotFit",
    "CardComputeUnitsExhausted", "CardTimeSlicingExhausted", "ExclusiveDeviceAllocateConflict",
  ]

  func judge(_ evidence: HAMiEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let pod = HAMiCatalog.oversubscribePod
    let statusArtifact = evidence.bundle.artifact(Self.statusFile)
    let pending = PendingPodEvidence(
      pod: pod, status: statusArtifact, events: evidence.bundle.artifact(Self.eventsFile), into: &outcome)
    let (row, events, status) = (pending.row, pending.events, pending.status)
    switch pending.placement(&outcome) {
    case .status(let status)?:
      return Finding(
        .fail, "\(pod) is \(status), not Pending: the scheduler placed it beside the slices it should not fit"
      )
    case .scheduled?:
      return Finding(.fail, "\(pod) has a Scheduled event: it was placed beside the slices")
    case nil:
      break
    }
    guard statusArtifact != nil else {
      return Finding(.inconclusive, "\(Self.statusFile) missing: the pod's status is unknown")
    }
    guard row != nil else {
      return Finding(.inconclusive, "no row for \(pod) in \(Self.statusFile)")
    }
    guard status == "Pending" else {
      return Finding(.inconclusive, "\(pod) is \(status.isEmpty ? "without a status" : status), not Pending")
    }
    guard let events else {
      return Finding(
        .inconclusive, "\(Self.eventsFile) missing or without an Events table: why it is Pending is unknown")
    }
    let budget = events.matching(reason: "FilteringFailed", messageContains: "CardInsufficientMemory")
    guard !budget.isEmpty else {
      outcome.excerpt += events.events.map(\.line)
      let reasons = Set(events.events.map(\.reason)).sorted().joined(separator: ", ")
      return Finding(
        .inconclusive,
        "\(pod) is Pending, but its events (\(reasons.isEmpty ? "none" : reasons)) show no FilteringFailed "
          + "or CardInsufficientMemory from the HAMi scheduler")
    }
    outcome.excerpt += budget.map(\.line)
    // A FilteringFailed for another per-card reason (cores, type, health…) is not the memory budget.
    let memoryNamed = events.events.contains { $0.message.contains("CardInsufficientMemory") }
    let otherReasons = Self.otherHAMiReasons.filter { word in
      events.events.contains { $0.message.contains(word) }
    }
    if !memoryNamed, !otherReasons.isEmpty {
      return Finding(
        .inconclusive,
        "\(pod) is Pending for \(otherReasons.joined(separator: ", ")), not CardInsufficientMemory: "
          + "that is not the per-card memory budget")
    }
    guard let request = evidence.oversubscribeMiB, let slice = evidence.sliceMiB else {
      return Finding(
        .inconclusive, "run.json lacks oversubscribe_mib or slice_mib: the test's arithmetic is unknown")
    }
    // The scheduler budgets by the registered devmem; the card's memory stands in without it.
    let registrationArtifact = evidence.bundle.artifact(Self.registrationFile)
    let registered = registrationArtifact.flatMap { HAMiRegistration(lines: $0.outputLines) }?.devices.first?
      .devmem
    if registered != nil {
      outcome.cite(registrationArtifact)
    } else {
      evidence.citeCardMemory(into: &outcome)
    }
    guard let devmem = registered ?? evidence.card.memoryMiB?.value else {
      return Finding(
        .inconclusive,
        "neither the registered devmem nor the card's memory is in the evidence (\(evidence.cardMemoryMissing))"
      )
    }
    let used = slice * evidence.sharePods.count
    guard request < devmem else {
      return Finding(
        .inconclusive,
        "the \(request) MiB request does not fit even an empty \(devmem) MiB card: Pending proves no budget")
    }
    guard request > devmem - used else {
      return Finding(
        .inconclusive,
        "the \(request) MiB request fits beside \(evidence.sharePods.count) × \(slice) MiB on \(devmem) MiB: "
          + "Pending is not explained by the budget")
    }
    let words = [
      budget.contains { $0.reason == "FilteringFailed" } ? "FilteringFailed" : nil,
      budget.contains { $0.message.contains("CardInsufficientMemory") } ? "CardInsufficientMemory" : nil,
    ].compactMap { $0 }.joined(separator: " ... ")
    return Finding(
      .pass, "\(pod) (\(request) MiB) Pending - \(words)",
      facts: [
        "oversubscribe_mib": String(request), "slice_mib": String(slice), "devmem_mib": String(devmem),
        "share_pods": String(evidence.sharePods.count),
      ])
  }
}
