import Foundation
import LabPipeline

/// Exercise 6: PASS iff, alone, the throughput under each core limit L (with the run's
/// GPU_CORE_UTILIZATION_POLICY) divided by the unlimited throughput is within the tolerance of
/// L/100, and, two tenants at once with limits L1 and L2, each one's share of their combined
/// throughput is within the tolerance of L1/(L1+L2) and L2/(L1+L2). Means skip each run's first
/// second (ramp-up); the pair compares the seconds both ran. Any ratio outside the tolerance is a
/// FAIL, whatever else is missing; a run with no samples is INCONCLUSIVE.
struct ComputeLimitCheck: HAMiCoreCheck {
  static let heading = ExerciseHeading(
    "6", "Compute (core limit)", criteria: "throughput follows CUDA_DEVICE_SM_LIMIT, alone and side by side")

  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let compute = HAMiCoreCompute(evidence.bundle)
    let tolerance = Double(evidence.tolerancePercent) / 100
    let tolText = "± \(HAMiCoreCompute.format(tolerance))"
    outcome.cite(evidence.bundle.artifact(HAMiCoreCatalog.computeAlone))
    outcome.cite(evidence.bundle.artifact(HAMiCoreCatalog.computePair))
    var measured: [String] = []
    let format = HAMiCoreCompute.format
    if let unlimited = compute.unlimited, let base = unlimited.mean, base > 0 {
      measured.append("unlimited \(format(base)) TFLOPS")
      outcome.excerpt.append("unlimited: \(HAMiCoreCompute.series(unlimited)) TFLOPS")
      for run in compute.singles {
        guard let limit = run.limit, let mean = run.mean else {
          outcome.gaps.append("no samples for \(run.label)")
          continue
        }
        let ratio = mean / base
        let expected = Double(limit) / 100
        let text =
          "limit \(limit)\(run.policy.map { " (\($0))" } ?? ""): \(format(mean)) TFLOPS = \(format(ratio)) of unlimited "
          + "(expected \(format(expected)) \(tolText))"
        measured.append(text)
        outcome.excerpt.append("limit \(limit): \(HAMiCoreCompute.series(run)) TFLOPS")
        if abs(ratio - expected) > tolerance { outcome.failures.append(text) }
      }
    } else {
      outcome.gaps.append("no unlimited throughput run in \(HAMiCoreCatalog.computeAlone)")
    }
    if compute.singles.isEmpty {
      outcome.gaps.append("no single-tenant limited run in \(HAMiCoreCatalog.computeAlone)")
    }
    if let (first, second) = compute.pairMeans, let l1 = compute.pair[0].limit,
      let l2 = compute.pair[1].limit,
      first + second > 0
    {
      let shares = (first / (first + second), second / (first + second))
      let expected = (Double(l1) / Double(l1 + l2), Double(l2) / Double(l1 + l2))
      let text =
        "side by side, limits \(l1) and \(l2): \(format(first)) and \(format(second)) TFLOPS = shares "
        + "\(format(shares.0)) and \(format(shares.1)) (expected \(format(expected.0)) and \(format(expected.1)) \(tolText))"
      measured.append(text)
      for run in compute.pair {
        outcome.excerpt.append("\(run.label): \(HAMiCoreCompute.series(run)) TFLOPS")
      }
      if abs(shares.0 - expected.0) > tolerance || abs(shares.1 - expected.1) > tolerance {
        outcome.failures.append(text)
      }
    } else {
      outcome.gaps.append("no pair of limited runs with common samples in \(HAMiCoreCatalog.computePair)")
    }
    if !outcome.failures.isEmpty {
      // The failures, then what else was measured (the baseline, any limit that held), once each.
      let rest = measured.filter { !outcome.failures.contains($0) }
      return Finding(
        .fail,
        "the core limit was not enforced within \(tolText): " + outcome.failures.joined(separator: "; ")
          + (rest.isEmpty ? "" : " (also measured: " + rest.joined(separator: "; ") + ")"))
    }
    if let decided = outcome.decided { return decided }
    return Finding(.pass, measured.joined(separator: "; "))
  }
}
