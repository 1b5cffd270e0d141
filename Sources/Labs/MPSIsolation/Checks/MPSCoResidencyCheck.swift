import Foundation
import LabPipeline

/// Exercise 1: PASS iff the host's `nvidia-smi --query-compute-apps`, sampled while the clients
/// ran side by side, lists every client's pid (as its probe printed it) and an
/// `nvidia-cuda-mps-server` on one GPU UUID. Clients on different UUIDs are a FAIL; a client or
/// the server missing from the sample is INCONCLUSIVE.
struct MPSCoResidencyCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "1", "Co-residency",
    criteria: "the clients run at the same time on one physical GPU, under one MPS server")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    guard let sample = evidence.bundle.artifact(MPSCatalog.coResidency) else {
      throw Inconclusive(reason: "\(MPSCatalog.coResidency) missing: no sample of the host's GPU processes")
    }
    outcome.cite(sample)
    guard let apps = NvidiaSMIComputeApps(lines: sample.outputLines) else {
      throw Inconclusive(reason: "no `nvidia-smi --query-compute-apps` table in \(MPSCatalog.coResidency)")
    }
    let found = apps.processes(
      of: tenants, who: "client", in: evidence.bundle, file: MPSCatalog.tenantConcurrent, &outcome)
    let server = apps.processes.first { $0.line.contains("nvidia-cuda-mps-server") }
    if let server { outcome.excerpt.append(server.line) }
    let uuids = Set((found.map(\.process) + (server.map { [$0] } ?? [])).compactMap(\.gpuUUID))
    if uuids.count > 1 {
      outcome.failures.append(
        "the clients are on different GPUs: "
          + found.map { "\($0.tenant) on \($0.process.gpuUUID ?? "?")" }.joined(separator: ", "))
    }
    if server == nil {
      outcome.gaps.append(
        "no nvidia-cuda-mps-server in the host's GPU processes: nothing shows the clients used MPS")
    }
    if let decided = outcome.decided { return decided }
    guard let uuid = uuids.first else { throw Inconclusive(reason: "the sample names no GPU UUID") }
    outcome.cite(evidence.bundle.artifact(MPSCatalog.hostGPU))
    if let card = evidence.card.uuid?.value, card != uuid, evidence.card.gpuCount?.value == 1 {
      return Finding(.fail, "the clients ran on \(uuid), not the host's only GPU \(card)")
    }
    return Finding(
      .pass,
      found.map {
        "client \($0.tenant) pid \($0.process.pid) (\($0.process.usedMiB.map { "\($0) MiB" } ?? "?"))"
      }
      .joined(separator: " and ") + " at the same time on \(uuid), under MPS server pid \(server?.pid ?? 0)")
  }
}
