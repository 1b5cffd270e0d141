import Foundation
import LabPipeline

/// Exercise 3: PASS iff each share pod's probe was refused at or below the slice, well above
/// zero, and a HAMi-core OOM line names a limit of exactly slice × 1048576 bytes, while the
/// card had room for more. A refusal only near the card's physical size is a FAIL.
///
/// "Well above zero" means at least half the slice; "room for more" means at least 1 GiB of
/// the card beyond the refusal point. "Near the card's size" is 90 % of it or more.
struct MemoryCapCheck: HAMiCheck {
  static let heading = ExerciseHeading(
    "3", "Memory-cap enforcement", criteria: "allocation refused at the slice, by HAMi-core")

  func judge(_ evidence: HAMiEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let (slice, cardMiB) = try evidence.sliceAndCard(citingInto: &outcome)
    let limitBytes = Int64(slice) * 1_048_576
    var refusals: [Int] = []
    var ooms: [HAMiCoreLog.OOMLine] = []
    var refusalLines: [String] = []
    for pod in evidence.sharePods {
      let file = HAMiCatalog.probeMemory(pod: pod)
      guard let artifact = evidence.bundle.artifact(file) else {
        outcome.gaps.append("\(file) missing: no probe for \(pod)")
        continue
      }
      outcome.cite(artifact)
      let lines = artifact.outputLines
      // An OOM line only counts when the request really exceeded the limit it names.
      let podOOMs = HAMiCoreLog.oomLines(in: lines).filter { $0.requestedBytes > $0.limitBytes }
      guard let probe = ProbeOutput(lines: lines) else {
        outcome.gaps.append("no probe output (`cudaMalloc refused after N MiB`) in \(file)")
        continue
      }
      guard let refused = probe.refusedAfterMiB, let refusalLine = probe.refusalLine else {
        if let allocated = probe.maxAllocatedMiB, allocated > slice {
          outcome.excerpt += probe.maxAllocatedLine.map { [$0] } ?? []
          outcome.failures.append(
            "\(pod) allocated \(allocated) MiB, past the \(slice) MiB slice, with no refusal: no cap")
        } else {
          outcome.gaps.append("no refusal line in \(file): the probe did not finish")
        }
        continue
      }
      outcome.excerpt.append(refusalLine)
      outcome.excerpt += podOOMs.map(\.line)
      if let allocated = probe.maxAllocatedMiB, allocated > slice, allocated > refused {
        outcome.excerpt += probe.maxAllocatedLine.map { [$0] } ?? []
        outcome.failures.append("\(pod) allocated \(allocated) MiB, past the \(slice) MiB slice")
        continue
      }
      if refused > slice {
        if refused * 10 >= cardMiB * 9 {
          outcome.failures.append(
            "\(pod) was refused only after \(refused) MiB, near the card's physical \(cardMiB) MiB: "
              + "the \(slice) MiB slice was not enforced")
        } else {
          outcome.failures.append("\(pod) was refused after \(refused) MiB, above the \(slice) MiB slice")
        }
        continue
      }
      if let wrong = podOOMs.first(where: { $0.limitBytes != limitBytes }),
        !podOOMs.contains(where: { $0.limitBytes == limitBytes })
      {
        outcome.failures.append(
          "HAMi-core's limit for \(pod) is \(wrong.limitBytes) B, not \(limitBytes) B (\(slice) MiB from run.json)"
        )
        continue
      }
      if refused * 2 < slice {
        outcome.gaps.append(
          "\(pod) was refused after only \(refused) MiB, far below the \(slice) MiB slice: that shows no cap at the slice"
        )
        continue
      }
      guard let oom = podOOMs.first(where: { $0.limitBytes == limitBytes }) else {
        outcome.gaps.append(
          "no HAMi-core OOM line in \(file): nothing shows HAMi-core refused the allocation")
        continue
      }
      if cardMiB - refused < 1024 {
        outcome.gaps.append(
          "the card (\(cardMiB) MiB) had no room beyond \(refused) MiB: the refusal may be physical")
        continue
      }
      refusals.append(refused)
      refusalLines.append(refusalLine)
      ooms.append(oom)
    }
    if let decided = outcome.decided { return decided }
    guard let firstOOM = ooms.first, let firstRefusal = refusals.first, let minRefusal = refusals.min() else {
      return Finding(.inconclusive, "no share pod evidenced")
    }
    let freeGB = (cardMiB - minRefusal).roundedGB
    // Name the call the probe reported (the lab probe uses cudaMalloc; others the driver API).
    let call = refusalLines.allSatisfy { $0.contains("cudaMalloc") } ? "cudaMalloc" : "allocation"
    let refusalText =
      Set(refusals).count == 1
      ? "\(call) refused after \(firstRefusal) MiB"
      : "\(call) refused after "
        + zip(evidence.sharePods, refusals).map { "\($1) MiB (\($0))" }.joined(separator: ", ")
    let oomText =
      "[HAMI-core ERROR] ... Device \(firstOOM.device) OOM \(firstOOM.requestedBytes) / \(firstOOM.limitBytes) "
      + "(\(limitBytes) B = exactly \(slice) MiB)"
    return Finding(
      .pass, "\(refusalText); \(oomText), while the card had ~\(freeGB) GB free",
      facts: [
        "slice_mib": String(slice), "refused_mib": String(minRefusal), "card_mib": String(cardMiB),
        "free_gb": String(freeGB),
      ])
  }
}
