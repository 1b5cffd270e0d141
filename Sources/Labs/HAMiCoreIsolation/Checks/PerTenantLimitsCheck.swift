import Foundation
import LabPipeline

/// Exercise 4: PASS iff, with all tenants running side by side (each with its own cache file),
/// each is held to its own slice by the rules of exercise 3; tenants with different slices are
/// what tells a shared cache (every tenant held to the first one's limit) apart.
struct PerTenantLimitsCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "4", "Per-tenant limits", criteria: "tenants side by side, each held to its own slice (no shared cache)")

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    try evidence.judgePerTenantLimits(
      &outcome,
      sameSlice: {
        "every tenant has the same \($0) MiB slice: a shared cache would look the same; "
          + "give them different slices (--param tenants=4000,12000)"
      }, held: "side by side, each tenant held to its own slice: "
    ) { $1.summary(name: $0.name) }
  }
}
