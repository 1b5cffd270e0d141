import Foundation
import LabPipeline

/// Exercise 2: what a client is shown. MPS promises no virtual card: `cudaMemGetInfo` in a client
/// reports free memory within its pinned limit, while the total (and `nvidia-smi`, which reads
/// the driver through NVML, not as an MPS client) stays the physical card. PASS iff each client's
/// free is at most its pinned limit; free above the limit is a FAIL; both values and nvidia-smi's
/// total are recorded. Setup first: the probe's pid must be a client the run's daemon logged
/// (``DaemonClientWitness``), else INCONCLUSIVE.
struct MPSViewCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "2", "Device view", criteria: "cudaMemGetInfo in each client reports free memory within its pinned limit")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    var shown: [String] = []
    evidence.forEachArtifact(of: tenants, file: MPSCatalog.tenantAlone, &outcome) {
      tenant, file, artifact, outcome in
      let lines = artifact.outputLines
      if let gap = DaemonClientWitness.gap(
        who: "client \(tenant.name)", pid: ProbeOutput.pid(in: lines), connected: evidence.connectedClients,
        mechanism: "MPS", file: file, about: "what cudaMemGetInfo showed it says nothing of its pinned limit")
      {
        outcome.gaps.append(gap)
        return
      }
      guard let info = Self.memGetInfo(in: lines) else {
        outcome.gaps.append("no `cudaMemGetInfo free=… total=…` line for client \(tenant.name) in \(file)")
        return
      }
      outcome.excerpt.append(info.line)
      let smi = artifact.sections.first { ($0.command ?? "").hasSuffix(" nvidia-smi 2>&1") }
        .flatMap { NvidiaSMITable(lines: $0.lines)?.gpus.first?.memoryTotalMiB }
      if info.free > tenant.sliceMiB {
        outcome.failures.append(
          "client \(tenant.name) is shown \(info.free) MiB free, more than its \(tenant.sliceMiB) MiB pinned limit"
        )
      } else {
        shown.append(
          "\(tenant.name) (limit \(tenant.sliceMiB) MiB): free \(info.free) MiB, total \(info.total) MiB"
            + (smi.map { ", nvidia-smi total \($0) MiB" } ?? ""))
      }
    }
    if let decided = outcome.decided { return decided }
    outcome.cite(evidence.bundle.artifact(MPSCatalog.hostGPU))
    let card = (evidence.card.memoryMiB?.value).map { " (the card has \($0) MiB)" } ?? ""
    return Finding(
      .pass,
      "each client's cudaMemGetInfo reports free memory within its pinned limit, the total unchanged: "
        + shown.joined(separator: "; ") + card)
  }

  /// The probe's `cudaMemGetInfo free=F MiB total=T MiB` line.
  static func memGetInfo(in lines: [String]) -> (free: Int, total: Int, line: String)? {
    for line in lines {
      if let match = line.firstMatch(of: #/cudaMemGetInfo free=(\d+) MiB total=(\d+) MiB/#),
        let free = Int(match.output.1), let total = Int(match.output.2)
      {
        return (free, total, line)
      }
    }
    return nil
  }
}
