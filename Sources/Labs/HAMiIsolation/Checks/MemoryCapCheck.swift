import Foundation
import LabPipeline

/// Exercise 3: PASS iff each share pod's probe was refused at or below the slice, well above
/// zero, and a HAMi-core OOM line names a limit of exactly slice × 1048576 bytes, while the
/// card had room for more. A refusal only near the card's physical size is a FAIL.
///
/// Every pod's probe is read before anything is decided, and a contradiction decides even when
/// other context is missing:
/// - allocations past the slice, or a refusal above it, are a FAIL whether or not the card's
///   memory is known (near the card's size, 90 % of it or more, the reason says so);
/// - a HAMi-core OOM line naming a limit other than slice × 1048576 is a FAIL unless another OOM
///   line of that pod names exactly that limit (HAMi-core logs the limit it enforces; a second
///   line naming the slice shows the slice was enforced too). This holds for a line whose
///   usage counter underflowed (HAMi issue #1181: `Device 0 OOM 18446744073707737660 /
///   24146608128`): its requested size is garbage but its limit is what HAMi-core enforced;
/// - a `Limit inconsistency detected … get Y` line with Y other than the slice is a FAIL: the
///   process enforced a stale limit from a shared cache file.
///
/// Only when nothing contradicts the claim is something missing INCONCLUSIVE, naming it: no
/// refusal, a refusal far below the slice (under half), no OOM line that shows a real request
/// refused at the slice (an underflowed line proves no refusal), or the card's memory unknown
/// ("room for more" means at least 1 GiB of the card beyond the refusal point).
struct MemoryCapCheck: HAMiCheck {
  static let heading = ExerciseHeading(
    "3", "Memory-cap enforcement", criteria: "allocation refused at the slice, by HAMi-core")

  /// What one pod's probe file shows.
  private struct PodProbe {
    var pod: String
    var refusedMiB: Int
    var refusalLine: String
    var oom: HAMiCoreLog.OOMLine
  }

  func judge(_ evidence: HAMiEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    if let problem = evidence.sharePodsProblem { throw Inconclusive(reason: problem) }
    guard let slice = evidence.sliceMiB else {
      for pod in evidence.sharePods {
        outcome.cite(evidence.bundle.artifact(HAMiCatalog.probeMemory(pod: pod)))
      }
      throw Inconclusive(reason: "run.json has no slice_mib: the expected slice is unknown")
    }
    let cardMiB = evidence.card.memoryMiB?.value
    var shown: [PodProbe] = []
    for pod in evidence.sharePods {
      if let probe = judgePod(pod, slice: slice, cardMiB: cardMiB, evidence, &outcome) { shown.append(probe) }
    }
    if !outcome.failures.isEmpty, cardMiB != nil { evidence.citeCardMemory(into: &outcome) }
    if let decided = outcome.decided { return decided }
    evidence.citeCardMemory(into: &outcome)
    guard let cardMiB else {
      return Finding(
        .inconclusive, "\(evidence.cardMemoryMissing): cannot show the card had room beyond the refusal")
    }
    if let cramped = MemoryCapRule.roomBeyond(shown.map { ($0.pod, $0.refusedMiB) }, cardMiB: cardMiB) {
      return cramped
    }
    guard let first = shown.first, let minRefusal = shown.map(\.refusedMiB).min() else {
      return Finding(.inconclusive, "no share pod evidenced")
    }
    let freeGB = (cardMiB - minRefusal).roundedGB
    // Name the call the probe reported (the lab probe uses cudaMalloc; others the driver API).
    let call = shown.allSatisfy { $0.refusalLine.contains("cudaMalloc") } ? "cudaMalloc" : "allocation"
    let refusalText =
      Set(shown.map(\.refusedMiB)).count == 1
      ? "\(call) refused after \(first.refusedMiB) MiB"
      : "\(call) refused after " + shown.map { "\($0.refusedMiB) MiB (\($0.pod))" }.joined(separator: ", ")
    let limitBytes = UInt64(slice) * 1_048_576
    let requested = first.oom.requestedBytes.map(String.init) ?? "?"
    let oomText =
      "[HAMI-core ERROR] ... Device \(first.oom.device) OOM \(requested) / \(limitBytes) "
      + "(\(limitBytes) B = exactly \(slice) MiB)"
    return Finding(
      .pass, "\(refusalText); \(oomText), while the card had ~\(freeGB) GB free",
      facts: [
        "slice_mib": String(slice), "refused_mib": String(minRefusal), "card_mib": String(cardMiB),
        "free_gb": String(freeGB),
      ])
  }

  /// Notes one pod's failures and gaps by exercise 3's shared rule (``MemoryCapRule``, HAMi-core's
  /// OOM line as the witness); returns what it shows when neither.
  private func judgePod(
    _ pod: String, slice: Int, cardMiB: Int?, _ evidence: HAMiEvidence, _ outcome: inout CheckOutcome
  ) -> PodProbe? {
    let file = HAMiCatalog.probeMemory(pod: pod)
    guard let artifact = evidence.bundle.artifact(file) else {
      outcome.gaps.append("\(file) missing: no probe for \(pod)")
      return nil
    }
    outcome.cite(artifact)
    let card = cardMiB.map { mib in
      (
        mib,
        evidence.card.memoryMiB?.file == HAMiCatalog.nodeAllocatable
          ? "the card's \(mib) MiB (registered devmem)" : "the card's physical \(mib) MiB"
      )
    }
    let rule = MemoryCapRule(
      who: pod, sliceMiB: slice, slice: "the \(slice) MiB slice", card: card, witness: .hamiCoreOOM)
    guard let reading = rule.judge(artifact.outputLines, file: file, &outcome), let oom = reading.oom else {
      return nil
    }
    return PodProbe(pod: pod, refusedMiB: reading.refusedMiB, refusalLine: reading.refusalLine, oom: oom)
  }
}
