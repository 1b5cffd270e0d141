import Foundation
import LabPipeline

/// Exercise 3: PASS iff each tenant's probe, alone, was refused at or below its own slice, well
/// above zero, with a HAMi-core OOM line naming exactly slice × 1048576 bytes, while the card
/// had room for more (at least 1 GiB beyond the refusal). The rules are
/// ``MemoryCapRule``'s, with HAMi-core's OOM line as the witness (``TenantEvidence/judgeMemoryCap``).
struct TenantMemoryCapCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "3", "Memory-cap enforcement", criteria: "each tenant's allocation refused at its slice, by HAMi-core")

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    try evidence.judgeMemoryCap(
      &outcome, refused: "cudaMalloc refused by HAMi-core at each tenant's own slice: "
    ) {
      $1.summary(name: $0.name)
    }
  }
}
