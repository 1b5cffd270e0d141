import Foundation
import LabPipeline

/// Exercise 3: PASS iff each client's memory probe, alone, was refused at or below its pinned
/// limit (CUDA_MPS_PINNED_DEVICE_MEM_LIMIT), well above zero, with the error the client got,
/// while the card had room for more (at least 1 GiB beyond the refusal). The rules are
/// ``MemoryCapRule``'s, with the client's own error as MPS's witness (MPS logs no line for it).
struct MPSMemoryCapCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "3", "Memory-cap enforcement", criteria: "each client's allocation refused at its pinned limit")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    let shown = Self.judgeEach(
      tenants, evidence, file: MPSCatalog.tenantAlone, missing: "no probe for client", &outcome)
    if let decided = outcome.decided { return decided }
    outcome.cite(evidence.bundle.artifact(MPSCatalog.hostGPU))
    guard let cardMiB = evidence.card.memoryMiB?.value else {
      return Finding(
        .inconclusive,
        "the card's memory is unknown (\(MPSCatalog.hostGPU)): cannot show it had room beyond the refusal")
    }
    if let cramped = MemoryCapRule.roomBeyond(shown.map { ($0.who, $0.refusedMiB) }, cardMiB: cardMiB) {
      return cramped
    }
    let minRefusal = shown.map(\.refusedMiB).min() ?? 0
    let freeGB = (cardMiB - minRefusal).roundedGB
    return Finding(
      .pass,
      "allocation refused by MPS at each client's pinned limit: "
        + shown.map { $0.summary(name: $0.who) + " (\($0.refusalLine))" }.joined(separator: "; ")
        + "; the card has \(cardMiB) MiB (~\(freeGB) GB beyond the smallest refusal)",
      facts: [
        "card_mib": String(cardMiB), "free_gb": String(freeGB),
        "refusals": shown.map { "\($0.refusedMiB)" }.joined(separator: ","),
      ])
  }

  /// Judges each client's probe output in the artifact `file(client)` names by the memory-cap
  /// rule; a missing artifact is a gap. Returns the clients whose refusal was read.
  static func judgeEach(
    _ tenants: [HAMiCoreTenant], _ evidence: MPSEvidence, file: (String) -> String, missing: String,
    _ outcome: inout CheckOutcome
  ) -> [MemoryCapRule.Reading] {
    tenants.compactMap { tenant in
      let name = file(tenant.name)
      guard let artifact = evidence.bundle.artifact(name) else {
        outcome.gaps.append("\(name) missing: \(missing) \(tenant.name)")
        return nil
      }
      outcome.cite(artifact)
      return evidence.memoryCap(tenant).judge(artifact.outputLines, file: name, &outcome)
    }
  }
}
