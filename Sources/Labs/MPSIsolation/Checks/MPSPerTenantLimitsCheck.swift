import Foundation
import LabPipeline

/// Exercise 4: PASS iff, with all clients running side by side under one MPS server, each is
/// held to its own pinned limit by the rules of exercise 3; clients with different limits are
/// what tells one limit applied to all apart.
struct MPSPerTenantLimitsCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "4", "Per-tenant limits", criteria: "clients side by side, each held to its own pinned limit")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    try evidence.judgePerTenantLimits(
      &outcome,
      sameSlice: {
        "every client has the same \($0) MiB limit: one limit applied to all would look the same; "
          + "give them different limits (--param tenants=4000,12000)"
      }, held: "side by side, each client held to its own pinned limit: "
    ) { $1.summary(name: $1.who) }
  }
}
