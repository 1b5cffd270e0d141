import Foundation
import LabPipeline

/// Exercise 4: PASS iff, with all clients running side by side under one MPS server, each is
/// held to its own pinned limit by the rules of exercise 3; clients with different limits are
/// what tells one limit applied to all apart.
struct MPSPerTenantLimitsCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "4", "Per-tenant limits", criteria: "clients side by side, each held to its own pinned limit")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    let shown = MPSMemoryCapCheck.judgeEach(
      tenants, evidence, file: MPSCatalog.tenantConcurrent, missing: "did not run side by side: client",
      &outcome)
    if let decided = outcome.decided { return decided }
    if Set(tenants.map(\.sliceMiB)).count < 2 {
      return Finding(
        .inconclusive,
        "every client has the same \(tenants[0].sliceMiB) MiB limit: one limit applied to all would look the same; "
          + "give them different limits (--param tenants=4000,12000)")
    }
    return Finding(
      .pass,
      "side by side, each client held to its own pinned limit: "
        + shown.map { $0.summary(name: $0.who) }.joined(separator: "; "))
  }
}
