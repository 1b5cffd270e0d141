import Foundation
import LabPipeline

/// Exercise 7, the shared "noisy neighbour" rule (``NoisyNeighbourRule``) over HAMi-core's runs:
/// a victim tenant (no core limit) alone, beside an unlimited aggressor, beside an aggressor held
/// to neighbour_limit L (witnessed by HAMi-core's log). The interference is reported for both
/// neighbours; the limited case decides: the victim keeps at least (100 − L)% of its alone
/// throughput, less the tolerance. A bundle without the exercise is INCONCLUSIVE (not measured).
struct NoisyNeighbourCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "7", "Noisy neighbour",
    criteria: "beside a neighbour held to core limit L, the victim keeps ≥ (100 − L)% of its alone throughput"
  )

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    outcome.cite(evidence.bundle.artifact(HAMiCoreCatalog.neighbour))
    outcome.cite(evidence.bundle.artifact(HAMiCoreCatalog.neighbourLog))
    return try evidence.compute.neighbourRule(evidence).judge(&outcome)
  }
}
