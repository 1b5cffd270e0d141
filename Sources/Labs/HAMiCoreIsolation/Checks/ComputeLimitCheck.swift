import Foundation
import LabPipeline

/// Exercise 6, the shared "compute limit" rule (``ComputeLimitRule``) over HAMi-core's runs:
/// setup first — each run's witness from HAMi-core's own level-3 log (``HAMiCoreWitness``): a
/// limit other than the configured one, a reused cache file, a limiter that never engaged →
/// INCONCLUSIVE naming the defect and the fix; no witness → INCONCLUSIVE — then, every witness
/// confirming, the time-averages over each run's last half decide: alone, limit L's throughput
/// within the tolerance of L/100 of unlimited; side by side, each share within the tolerance of
/// its limit's proportion.
struct ComputeLimitCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "6", "Compute (core limit)",
    criteria:
      "HAMi-core confirms each configured CUDA_DEVICE_SM_LIMIT; throughput then follows it, alone and side by side"
  )

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    for name in [
      HAMiCoreCatalog.computeAlone, HAMiCoreCatalog.computeAloneLog, HAMiCoreCatalog.computePair,
      HAMiCoreCatalog.computePairLog,
    ] {
      outcome.cite(evidence.bundle.artifact(name))
    }
    return try evidence.compute.computeRule(evidence).judge(&outcome)
  }
}
