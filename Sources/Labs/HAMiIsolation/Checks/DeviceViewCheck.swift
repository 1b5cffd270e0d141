import Foundation
import LabPipeline

/// Exercise 2: PASS iff each share pod's in-pod nvidia-smi total equals the slice and not the card.
struct DeviceViewCheck: HAMiCheck {
  static let heading = ExerciseHeading(
    "2", "Virtualized device view", criteria: "in-pod nvidia-smi shows the slice")

  func judge(_ evidence: HAMiEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let (slice, cardMiB) = try evidence.sliceAndCard(citingInto: &outcome)
    guard slice < cardMiB else {
      return Finding(
        .inconclusive,
        "the \(slice) MiB slice is not smaller than the \(cardMiB) MiB card: the view cannot tell them apart")
    }
    var usages: [String] = []
    for pod in evidence.sharePods {
      let file = HAMiCatalog.probeMemory(pod: pod)
      guard let artifact = evidence.bundle.artifact(file) else {
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
    if let decided = outcome.decided { return decided }
    let shown =
      Set(usages).count == 1
      ? "\(usages.count == 2 ? "both" : "all \(usages.count)") pods report \(usages[0])"
      : zip(evidence.sharePods, usages).map { "\($0) reports \($1)" }.joined(separator: ", ")
    return Finding(
      .pass, "\(shown), not the real \(cardMiB) MiB",
      facts: ["slice_mib": String(slice), "card_mib": String(cardMiB)])
  }
}
