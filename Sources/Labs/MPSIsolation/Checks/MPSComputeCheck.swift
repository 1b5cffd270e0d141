import Foundation
import LabPipeline

/// Exercise 6 by the shared compute-limit rule (``ComputeLimitRule``), with MPS's own witness per
/// run: the SMs the client saw (``MPSCompute/witness(_:)``). Setup first: a client under a
/// percentage that saw every SM is INCONCLUSIVE naming the defect; then, alone, the throughput
/// under each CUDA_MPS_ACTIVE_THREAD_PERCENTAGE P over the unlimited client's is within the
/// tolerance of P/100, and side by side each client's share is within the tolerance of its
/// percentage's proportion.
struct MPSComputeCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "6", "Compute (active thread percentage)",
    criteria: "throughput follows CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, alone and side by side")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let compute = MPSCompute(evidence.bundle)
    outcome.cite(evidence.bundle.artifact(MPSCatalog.computeAlone))
    outcome.cite(evidence.bundle.artifact(MPSCatalog.computePair))
    for run in [compute.unlimited].compactMap({ $0 }) + compute.singles + compute.pair {
      if let header = run.output.headerLine { outcome.excerpt.append(header) }
    }
    func rule(_ run: MPSCompute.Run) -> ComputeLimitRule.Run {
      ComputeLimitRule.Run(
        label: run.percentage.map { "\($0) %" } ?? "unlimited", limit: run.percentage,
        throughput: MPSCompute.throughput(run), witness: compute.witness(run), mechanismView: nil)
    }
    let judged = ComputeLimitRule(
      subject: .init(
        mechanism: "NVIDIA MPS", setting: "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE",
        card: evidence.card.name?.value,
        knownIssues: nil),
      tolerance: Double(evidence.tolerancePercent) / 100, baseline: compute.unlimited.map(rule),
      singles: compute.singles.map(rule), pair: compute.pair.map(rule),
      artifacts: "\(MPSCatalog.computeAlone) and \(MPSCatalog.computePair)")
    return try judged.judge(&outcome)
  }
}
