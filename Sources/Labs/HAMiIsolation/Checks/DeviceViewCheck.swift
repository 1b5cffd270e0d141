import Foundation
import LabPipeline

/// Exercise 2: PASS iff each share pod's in-pod nvidia-smi total equals the slice and not the card.
///
/// Reads every pod's view before deciding: a view of another size (or of several GPUs) is a
/// FAIL whether or not the card's memory is known; a PASS also needs the card's memory (from
/// any artifact, see ``HostGPUCard``) to show the slice is not the whole card. An nvidia-smi that
/// failed in the pod shows no view at all: INCONCLUSIVE, naming what it printed.
struct DeviceViewCheck: HAMiCheck {
  static let heading = ExerciseHeading(
    "2", "Virtualized device view", criteria: "in-pod nvidia-smi shows the slice")

  func judge(_ evidence: HAMiEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    if let problem = evidence.sharePodsProblem { throw Inconclusive(reason: problem) }
    let slice = evidence.sliceMiB
    let cardMiB = evidence.card.memoryMiB?.value
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
        let smi = artifact.sections.first { $0.command?.contains("nvidia-smi") ?? false }
        if let failure = NvidiaSMITable.failure(in: smi?.lines ?? artifact.outputLines) {
          outcome.gaps.append("in-pod nvidia-smi failed in \(file) (\(failure)): no device view for \(pod)")
        } else {
          outcome.gaps.append("no nvidia-smi table with a Memory-Usage column in \(file)")
        }
        continue
      }
      outcome.excerpt += gpu.lines
      usages.append(gpu.memoryUsage ?? "\(total)MiB")
      if table.gpus.count > 1 {
        outcome.failures.append("\(pod) sees \(table.gpus.count) GPUs, not one slice")
      } else if let cardMiB, total == cardMiB, total != slice {
        outcome.failures.append(
          "\(pod) sees the full card (\(total) MiB), not the \(slice.map { "\($0) MiB" } ?? "expected") slice"
        )
      } else if let slice, total != slice {
        outcome.failures.append("\(pod) sees \(total) MiB, not the \(slice) MiB slice recorded in run.json")
      }
    }
    if slice != nil, !outcome.failures.isEmpty { evidence.citeCardMemory(into: &outcome) }
    if let decided = outcome.decided { return decided }
    guard let slice else {
      return Finding(.inconclusive, "run.json has no slice_mib: the expected slice is unknown")
    }
    evidence.citeCardMemory(into: &outcome)
    guard let cardMiB else {
      return Finding(
        .inconclusive, "\(evidence.cardMemoryMissing): cannot show the view is not the whole card")
    }
    guard slice < cardMiB else {
      return Finding(
        .inconclusive,
        "the \(slice) MiB slice is not smaller than the \(cardMiB) MiB card: the view cannot tell them apart")
    }
    let shown =
      Set(usages).count == 1
      ? "\(usages.count == 2 ? "both" : "all \(usages.count)") pods report \(usages[0])"
      : zip(evidence.sharePods, usages).map { "\($0) reports \($1)" }.joined(separator: ", ")
    return Finding(
      .pass, "\(shown), not the real \(cardMiB) MiB",
      facts: ["slice_mib": String(slice), "card_mib": String(cardMiB)])
  }
}
