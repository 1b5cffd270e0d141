import Foundation
import LabPipeline

/// One tenant's memory probe judged against its own slice by exercise 3's shared rule
/// (``MemoryCapRule`` with HAMi-core's OOM line as the witness), for exercises 3 and 4.
struct TenantMemory {
  var tenant: HAMiCoreTenant
  var refusedMiB: Int
  var refusalLine: String
  var oom: HAMiCoreLog.OOMLine

  /// Notes `tenant`'s failures and gaps from `lines` of `file`; returns what it shows when neither.
  static func judge(
    _ tenant: HAMiCoreTenant, lines: [String], file: String, cardMiB: Int?, _ outcome: inout CheckOutcome
  ) -> TenantMemory? {
    let rule = MemoryCapRule(
      who: "tenant \(tenant.name)", sliceMiB: tenant.sliceMiB, slice: "its \(tenant.sliceMiB) MiB slice",
      card: cardMiB.map { ($0, "the card's physical \($0) MiB") }, witness: .hamiCoreOOM)
    guard let reading = rule.judge(lines, file: file, &outcome), let oom = reading.oom else { return nil }
    return TenantMemory(
      tenant: tenant, refusedMiB: reading.refusedMiB, refusalLine: reading.refusalLine, oom: oom)
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
