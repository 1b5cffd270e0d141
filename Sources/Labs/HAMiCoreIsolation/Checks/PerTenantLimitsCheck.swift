import Foundation
import LabPipeline

/// Exercise 4: PASS iff, with all tenants running side by side (each with its own cache file),
/// each is held to its own slice by the rules of exercise 3; tenants with different slices are
/// what tells a shared cache (every tenant held to the first one's limit) apart.
struct PerTenantLimitsCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "4", "Per-tenant limits", criteria: "tenants side by side, each held to its own slice (no shared cache)")

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let tenants = try evidence.requireTenants()
    let shown = TenantMemory.judgeEach(
      tenants, in: evidence, file: HAMiCoreCatalog.tenantConcurrent,
      missing: "did not run side by side: tenant",
      &outcome)
    if let decided = outcome.decided { return decided }
    if Set(tenants.map(\.sliceMiB)).count < 2 {
      return Finding(
        .inconclusive,
        "every tenant has the same \(tenants[0].sliceMiB) MiB slice: a shared cache would look the same; "
          + "give them different slices (--param tenants=4000,12000)")
    }
    return Finding(
      .pass,
      "side by side, each tenant held to its own slice: " + shown.map(\.summary).joined(separator: "; "))
  }
}
