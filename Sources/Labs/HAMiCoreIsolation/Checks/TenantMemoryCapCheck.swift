import Foundation
import LabPipeline

/// Exercise 3: PASS iff each tenant's probe, alone, was refused at or below its own slice, well
/// above zero, with a HAMi-core OOM line naming exactly slice × 1048576 bytes, while the card
/// had room for more (at least 1 GiB beyond the refusal). The rules are ``TenantMemory``'s.
struct TenantMemoryCapCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "3", "Memory-cap enforcement", criteria: "each tenant's allocation refused at its slice, by HAMi-core")

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    let shown = TenantMemory.judgeEach(
      tenants, in: evidence, file: HAMiCoreCatalog.tenantAlone, missing: "no probe for tenant", &outcome)
    if let decided = outcome.decided { return decided }
    outcome.cite(evidence.bundle.artifact(HAMiCoreCatalog.hostGPU))
    guard let cardMiB = evidence.cardMiB else {
      return Finding(
        .inconclusive,
        "the card's memory is unknown (\(HAMiCoreCatalog.hostGPU)): cannot show it had room beyond the refusal"
      )
    }
    if let cramped = MemoryCapRule.roomBeyond(
      shown.map { ("tenant \($0.tenant.name)", $0.refusedMiB) }, cardMiB: cardMiB)
    {
      return cramped
    }
    let minRefusal = shown.map(\.refusedMiB).min() ?? 0
    let freeGB = (cardMiB - minRefusal).roundedGB
    return Finding(
      .pass,
      "cudaMalloc refused by HAMi-core at each tenant's own slice: "
        + shown.map(\.summary).joined(separator: "; ")
        + "; the card has \(cardMiB) MiB (~\(freeGB) GB beyond the smallest refusal)",
      facts: [
        "card_mib": String(cardMiB), "free_gb": String(freeGB),
        "refusals": shown.map { "\($0.refusedMiB)" }.joined(separator: ","),
      ])
  }
}
