import Foundation
import LabPipeline

/// Exercise 2: PASS iff each share pod's in-pod nvidia-smi total equals the slice and not the card.
public struct DeviceViewCheck: ExerciseCheck {
  public let id = "2"
  public let title = "Virtualized device view"
  public let criteria = "in-pod nvidia-smi shows the slice"

  public init() {}

  public func evaluate(_ bundle: EvidenceBundle) -> ExerciseResult {
    let facts = HAMiEvidence(bundle)
    var outcome = PodOutcomes()
    func result(_ verdict: Verdict, _ reason: String, facts: [String: String] = [:]) -> ExerciseResult {
      outcome.result(of: self, verdict, reason, facts: facts)
    }
    let slice: Int
    let cardMiB: Int
    switch facts.sliceAndCard(citingInto: &outcome) {
    case .failure(let inconclusive): return result(.inconclusive, inconclusive.reason)
    case .success(let values): (slice, cardMiB) = values
    }
    guard slice < cardMiB else {
      return result(
        .inconclusive,
        "the \(slice) MiB slice is not smaller than the \(cardMiB) MiB card: the view cannot tell them apart")
    }
    var usages: [String] = []
    for pod in facts.sharePods {
      let file = HAMiEvidence.probeFile(for: pod)
      guard let artifact = bundle.artifact(file) else {
        outcome.gaps.append("\(file) missing: no in-pod view for \(pod)")
        continue
      }
      outcome.cite(artifact)
      guard let table = NvidiaSMITable(lines: artifact.outputLines), let gpu = table.gpus.first,
        let total = gpu.memoryTotalMiB
      else {
        outcome.gaps.append("no nvidia-smi table with a Memory-Usage column in \(file)")
        continue
      }
      outcome.excerpt += gpu.lines
      usages.append(gpu.memoryUsage ?? "\(total)MiB")
      if table.gpus.count > 1 {
        outcome.failures.append("\(pod) sees \(table.gpus.count) GPUs, not one slice")
      } else if total == cardMiB {
        outcome.failures.append("\(pod) sees the full card (\(total) MiB), not the \(slice) MiB slice")
      } else if total != slice {
        outcome.failures.append("\(pod) sees \(total) MiB, not the \(slice) MiB slice recorded in run.json")
      }
    }
    if outcome.verdict != .pass { return result(outcome.verdict, outcome.problem) }
    let shown =
      Set(usages).count == 1
      ? "\(usages.count == 2 ? "both" : "all \(usages.count)") pods report \(usages[0])"
      : zip(facts.sharePods, usages).map { "\($0) reports \($1)" }.joined(separator: ", ")
    return result(
      .pass, "\(shown), not the real \(cardMiB) MiB",
      facts: ["slice_mib": String(slice), "card_mib": String(cardMiB)])
  }
}
