import Foundation
import LabPipeline

/// One tenant's memory probe judged against its own slice: the rules of exercise 3 (and, side
/// by side, of exercise 4). Contradictions are noted first and decide whatever else is missing:
/// allocations or a refusal past the slice; an OOM line naming a limit other than slice × 1048576
/// (unless another OOM line names exactly that limit); a `Limit inconsistency … get Y` line
/// with Y other than the slice (a shared cache file). Only then is something missing a gap: no
/// probe output, no refusal, a refusal far below the slice (under half), no OOM line that shows
/// a real request refused at the limit.
struct TenantMemory {
  var tenant: HAMiCoreTenant
  var refusedMiB: Int
  var refusalLine: String
  var oom: HAMiCoreLog.OOMLine

  /// Notes `tenant`'s failures and gaps from `lines` of `file`; returns what it shows when neither.
  static func judge(
    _ tenant: HAMiCoreTenant, lines: [String], file: String, cardMiB: Int?, _ outcome: inout CheckOutcome
  ) -> TenantMemory? {
    let slice = tenant.sliceMiB
    let limitBytes = tenant.limitBytes
    let ooms = HAMiCoreLog.oomLines(in: lines)
    let probe = ProbeOutput(lines: lines)
    let failuresBefore = outcome.failures.count
    let who = "tenant \(tenant.name)"

    if let probe, let allocated = probe.maxAllocatedMiB, allocated > slice,
      allocated > (probe.refusedAfterMiB ?? 0)
    {
      outcome.excerpt += probe.maxAllocatedLine.map { [$0] } ?? []
      outcome.failures.append(
        "\(who) allocated \(allocated) MiB, past its \(slice) MiB slice"
          + (probe.refusedAfterMiB == nil ? ", with no refusal: no cap" : ""))
    } else if let probe, let refused = probe.refusedAfterMiB, refused > slice {
      outcome.excerpt += probe.refusalLine.map { [$0] } ?? []
      if let cardMiB, refused * 10 >= cardMiB * 9 {
        outcome.failures.append(
          "\(who) was refused only after \(refused) MiB, near the card's physical \(cardMiB) MiB: its \(slice) MiB "
            + "slice was not enforced")
      } else if ooms.isEmpty {
        outcome.failures.append(
          "\(who) was refused only after \(refused) MiB, above its \(slice) MiB slice, with no HAMi-core OOM line: "
            + "the slice was not enforced")
      } else {
        outcome.failures.append("\(who) was refused after \(refused) MiB, above its \(slice) MiB slice")
      }
    }
    if !ooms.contains(where: { $0.limitBytes == limitBytes }),
      let wrong = ooms.first(where: { $0.limitBytes != limitBytes })
    {
      outcome.excerpt.append(wrong.line)
      let limit = wrong.limitBytes.map { "\($0) B" } ?? "beyond 64 bits"
      outcome.failures.append(
        "HAMi-core's limit for \(who) is \(limit), not \(limitBytes) B (its \(slice) MiB slice)")
    }
    if let stale = HAMiCoreLog.limitInconsistencies(in: lines).first(where: {
      $0.effectiveBytes != limitBytes
    }) {
      outcome.excerpt.append(stale.line)
      outcome.failures.append(
        "HAMi-core in \(who) enforced \(stale.effectiveBytes.map { "\($0) B" } ?? "another limit") from a shared "
          + "cache file, not its own \(limitBytes) B")
    }
    if outcome.failures.count > failuresBefore { return nil }

    guard let probe else {
      outcome.gaps.append("no probe output (`cudaMalloc refused after N MiB`) for \(who) in \(file)")
      return nil
    }
    guard let refused = probe.refusedAfterMiB, let refusalLine = probe.refusalLine else {
      outcome.gaps.append("no refusal line for \(who) in \(file): the probe did not finish")
      return nil
    }
    outcome.excerpt.append(refusalLine)
    if refused * 2 < slice {
      outcome.gaps.append(
        "\(who) was refused after only \(refused) MiB, far below its \(slice) MiB slice: that shows no cap at the slice"
      )
      return nil
    }
    guard let oom = ooms.first(where: { $0.limitBytes == limitBytes && $0.showsRefusal }) else {
      if let error = HAMiCoreLog.allocatorErrorsWithoutLimit(in: lines).first {
        outcome.excerpt.append(error)
        outcome.gaps.append(
          "HAMi-core logged a refusal for \(who) in \(file) but no OOM line names its limit")
      } else {
        outcome.gaps.append("no HAMi-core OOM line for \(who) in \(file): nothing shows HAMi-core refused it")
      }
      return nil
    }
    outcome.excerpt.append(oom.line)
    return TenantMemory(tenant: tenant, refusedMiB: refused, refusalLine: refusalLine, oom: oom)
  }

  /// `refused after N MiB, OOM … / L (= S MiB)` for the page.
  var summary: String {
    "\(tenant.name) (\(tenant.sliceMiB) MiB) refused after \(refusedMiB) MiB, "
      + "OOM \(oom.requestedBytes.map(String.init) ?? "?") / \(tenant.limitBytes) (= exactly \(tenant.sliceMiB) MiB)"
  }
}

extension TenantMemory {
  /// Judges each tenant's probe output in the artifact `file(tenant)` names; a missing artifact
  /// is a gap ("FILE missing: MISSING NAME"). Returns the tenants whose refusal was read.
  static func judgeEach(
    _ tenants: [HAMiCoreTenant], in evidence: HAMiCoreEvidence, file: (String) -> String, missing: String,
    _ outcome: inout CheckOutcome
  ) -> [TenantMemory] {
    var shown: [TenantMemory] = []
    for tenant in tenants {
      let name = file(tenant.name)
      guard let artifact = evidence.bundle.artifact(name) else {
        outcome.gaps.append("\(name) missing: \(missing) \(tenant.name)")
        continue
      }
      outcome.cite(artifact)
      if let memory = judge(
        tenant, lines: artifact.outputLines, file: name, cardMiB: evidence.cardMiB, &outcome)
      {
        shown.append(memory)
      }
    }
    return shown
  }
}
