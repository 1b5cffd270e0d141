import Foundation
import LabPipeline

/// Exercise 1: PASS iff the host's `nvidia-smi --query-compute-apps`, sampled while the tenants
/// ran side by side, lists every tenant's pid (as its probe printed it) on one GPU UUID. Tenants
/// on different UUIDs are a FAIL; a tenant missing from the sample is INCONCLUSIVE.
struct TenantCoResidencyCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "1", "Co-residency", criteria: "the tenants run at the same time on one physical GPU")

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    guard let sample = evidence.bundle.artifact(HAMiCoreCatalog.coResidency) else {
      throw Inconclusive(
        reason: "\(HAMiCoreCatalog.coResidency) missing: no sample of the host's GPU processes")
    }
    outcome.cite(sample)
    guard let apps = NvidiaSMIComputeApps(lines: sample.outputLines) else {
      throw Inconclusive(
        reason: "no `nvidia-smi --query-compute-apps` table in \(HAMiCoreCatalog.coResidency)")
    }
    let found = apps.processes(
      of: tenants, who: "tenant", in: evidence.bundle, file: HAMiCoreCatalog.tenantConcurrent, &outcome)
    let uuids = Set(found.compactMap(\.process.gpuUUID))
    if uuids.count > 1 {
      outcome.failures.append(
        "the tenants ran on different GPUs: "
          + found.map { "\($0.tenant) on \($0.process.gpuUUID ?? "?")" }.joined(separator: ", "))
    }
    if let decided = outcome.decided { return decided }
    guard let uuid = uuids.first else { throw Inconclusive(reason: "the sample names no GPU UUID") }
    if let card = evidence.cardUUID, card != uuid, evidence.gpuCount == 1 {
      return Finding(.fail, "the tenants ran on \(uuid), not the host's only GPU \(card)")
    }
    outcome.cite(evidence.bundle.artifact(HAMiCoreCatalog.hostGPU))
    return Finding(
      .pass,
      found.map {
        "tenant \($0.tenant) pid \($0.process.pid) (\($0.process.usedMiB.map { "\($0) MiB" } ?? "?"))"
      }
      .joined(separator: " and ") + " at the same time on \(uuid)")
  }

  /// The pid a probe printed (`probe: pid 1234, …`).
  static func pid(in lines: [String]) -> Int? {
    lines.lazy.compactMap { $0.firstMatch(of: #/^probe: pid (\d+)/#).flatMap { Int($0.output.1) } }.first
  }
}
