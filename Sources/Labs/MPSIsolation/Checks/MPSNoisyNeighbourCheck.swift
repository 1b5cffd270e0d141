import Foundation
import LabPipeline

/// Exercise 7, witness first: both clients must have seen fewer SMs than the unlimited client
/// (their percentages in force), else INCONCLUSIVE. Then PASS iff the victim, beside a neighbour
/// computing flat out under its own percentage, keeps its throughput alone within the tolerance:
/// impact = 1 − (victim's mean beside the neighbour ÷ its mean alone) ≤ tolerance.
struct MPSNoisyNeighbourCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "7", "Noisy neighbour", criteria: "a client keeps its throughput while a neighbour computes beside it")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let compute = MPSCompute(evidence.bundle)
    let format = MPSCompute.format
    let tolerance = Double(evidence.tolerancePercent) / 100
    outcome.cite(evidence.bundle.artifact(MPSCatalog.noisy))
    outcome.cite(evidence.bundle.artifact(MPSCatalog.computeAlone))
    guard let alone = compute.victimAlone, let aloneMean = alone.mean, aloneMean > 0 else {
      throw Inconclusive(reason: "no run of the victim alone in \(MPSCatalog.noisy)")
    }
    guard compute.noisy.count == 2, let (victim, neighbour) = MPSCompute.commonMeans(compute.noisy) else {
      throw Inconclusive(reason: "no victim and neighbour with common samples in \(MPSCatalog.noisy)")
    }
    let gaps = ([alone] + compute.noisy).compactMap(compute.witnessGap)
    for run in [alone] + compute.noisy {
      if let header = run.output.headerLine { outcome.excerpt.append(header) }
    }
    if !gaps.isEmpty { throw Inconclusive(reason: gaps.joined(separator: "; ")) }
    let impact = 1 - victim / aloneMean
    let text =
      "the victim (\(compute.noisy[0].label)) made \(format(aloneMean)) TFLOPS alone and \(format(victim)) beside its "
      + "neighbour (\(compute.noisy[1].label), \(format(neighbour)) TFLOPS): impact \(format(max(impact, 0))) "
      + "(tolerance \(format(tolerance)))"
    outcome.excerpt.append("victim alone: \(MPSCompute.series(alone)) TFLOPS")
    outcome.excerpt.append("victim beside the neighbour: \(MPSCompute.series(compute.noisy[0])) TFLOPS")
    return Finding(
      impact > tolerance ? .fail : .pass, text,
      facts: ["impact": format(max(impact, 0))])
  }
}
