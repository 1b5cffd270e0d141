import Foundation
import LabPipeline

/// Exercise 7 by the shared noisy-neighbour rule (``NoisyNeighbourRule``), with MPS's own witness
/// per client (the SMs it saw): the victim (no percentage, latency mode) alone, beside an
/// unlimited aggressor (reported) and beside an aggressor held to neighbour_percentage (judged:
/// the victim keeps at least (100 − percentage)% of its alone throughput, less the tolerance).
struct MPSNoisyNeighbourCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "7", "Noisy neighbour",
    criteria: "beside a neighbour held to its percentage, a client keeps the rest of the card")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let compute = MPSCompute(evidence.bundle)
    outcome.cite(evidence.bundle.artifact(MPSCatalog.noisy))
    outcome.cite(evidence.bundle.artifact(MPSCatalog.computeAlone))
    func describe(_ label: String, _ runs: [MPSCompute.Run]) -> NoisyNeighbourRule.Case? {
      guard let victim = runs.first else { return nil }
      let latency = MPSCompute.latency(victim)
      let aggressor = runs.dropFirst().first
      var witnesses = [("\(label), victim", compute.witness(victim))]
      if let aggressor { witnesses.append(("\(label), aggressor", compute.witness(aggressor))) }
      // Beside a neighbour, only the seconds the neighbour was measuring too: the two start at
      // one start file, and a neighbour that stopped early leaves the victim computing alone.
      return NoisyNeighbourRule.Case(
        label: label, victim: MPSCompute.throughput(victim), p50: latency.p50, p99: latency.p99,
        aggressorLimit: aggressor?.percentage, witnesses: witnesses, victimWaves: victim.output.kernelWaves
      )
      .alongside(aggressor.map(MPSCompute.throughput))
    }
    let rule = NoisyNeighbourRule(
      mechanism: "NVIDIA MPS", tolerance: Double(evidence.tolerancePercent) / 100,
      alone: compute.victimAlone.flatMap { describe("alone", [$0]) },
      unlimited: describe("beside an unlimited neighbour", compute.besideUnlimited),
      limited: describe("beside a limited neighbour", compute.besideLimited),
      artifacts: MPSCatalog.noisy)
    return try rule.judge(&outcome)
  }
}
