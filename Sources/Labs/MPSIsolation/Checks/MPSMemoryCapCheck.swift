import Foundation
import LabPipeline

/// Exercise 3: PASS iff each client's memory probe, alone, was refused at or below its pinned
/// limit (CUDA_MPS_PINNED_DEVICE_MEM_LIMIT), well above zero, with the error the client got,
/// while the card had room for more (at least 1 GiB beyond the refusal). The rules are
/// ``MemoryCapRule``'s, with the client's own error as MPS's witness (MPS logs no line for it).
struct MPSMemoryCapCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "3", "Memory-cap enforcement", criteria: "each client's allocation refused at its pinned limit")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    try evidence.judgeMemoryCap(
      &outcome, refused: "allocation refused by MPS at each client's pinned limit: "
    ) {
      $1.summary(name: $1.who) + " (\($1.refusalLine))"
    }
  }
}
