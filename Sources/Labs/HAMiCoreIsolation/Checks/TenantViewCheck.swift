import Foundation
import LabPipeline

/// Exercise 2: PASS iff `nvidia-smi` under each tenant's preload shows that tenant's slice as the
/// card's memory, not the card. The card's own size shown is a FAIL (no virtualisation); another
/// size is a FAIL too.
struct TenantViewCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "2", "Virtualized device view", criteria: "nvidia-smi under each tenant's preload shows its slice")

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    var shown: [String] = []
    evidence.forEachArtifact(of: tenants, file: HAMiCoreCatalog.tenantAlone, &outcome) {
      tenant, file, artifact, outcome in
      let tableSection = artifact.sections.first {
        ($0.command ?? "").hasSuffix(" nvidia-smi 2>&1") || ($0.command ?? "").hasSuffix(" nvidia-smi")
      }
      guard let section = tableSection, let gpu = NvidiaSMITable(lines: section.lines)?.gpus.first,
        let total = gpu.memoryTotalMiB
      else {
        let failure = tableSection.flatMap { NvidiaSMITable.failure(in: $0.lines) }
        outcome.gaps.append(
          "no nvidia-smi table under tenant \(tenant.name)'s preload in \(file)"
            + (failure.map { " (\($0))" } ?? ""))
        return
      }
      outcome.excerpt += gpu.lines.suffix(1)
      if let card = evidence.cardMiB, total == card, card != tenant.sliceMiB {
        outcome.failures.append(
          "tenant \(tenant.name) is shown the whole card (\(total) MiB), not its \(tenant.sliceMiB) MiB slice"
        )
      } else if total != tenant.sliceMiB {
        outcome.failures.append(
          "tenant \(tenant.name) is shown \(total) MiB, not its \(tenant.sliceMiB) MiB slice")
      } else {
        shown.append("\(tenant.name): \(gpu.memoryUsage ?? "\(total)MiB")")
      }
    }
    if let decided = outcome.decided { return decided }
    outcome.cite(evidence.bundle.artifact(HAMiCoreCatalog.hostGPU))
    let card = evidence.cardMiB.map { ", not the real \($0) MiB" } ?? ""
    return Finding(
      .pass, "each tenant's nvidia-smi shows its slice (\(shown.joined(separator: "; ")))\(card)")
  }
}
