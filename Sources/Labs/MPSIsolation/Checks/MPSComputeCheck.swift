import Foundation
import LabPipeline

/// Exercise 6, witness first (DESIGN principle 8): each limited run's client must have seen
/// fewer SMs than the unlimited client (the percentage in force), else the run is INCONCLUSIVE
/// naming the setup defect. Then PASS iff, alone, the throughput under each
/// CUDA_MPS_ACTIVE_THREAD_PERCENTAGE P divided by the unlimited throughput is within the
/// tolerance of P/100, and, two clients at once with P1 and P2, each one's share of their
/// combined throughput is within the tolerance of P1/(P1+P2) and P2/(P1+P2). Means skip each
/// run's first second; the pair compares the seconds both ran.
struct MPSComputeCheck: MPSCheck {
  static let heading = ExerciseHeading(
    "6", "Compute (active thread percentage)",
    criteria: "throughput follows CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, alone and side by side")

  func judge(_ evidence: MPSEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let compute = MPSCompute(evidence.bundle)
    let tolerance = Double(evidence.tolerancePercent) / 100
    let tolText = "± \(MPSCompute.format(tolerance))"
    let format = MPSCompute.format
    outcome.cite(evidence.bundle.artifact(MPSCatalog.computeAlone))
    outcome.cite(evidence.bundle.artifact(MPSCatalog.computePair))
    guard let unlimited = compute.unlimited, let base = unlimited.mean, base > 0 else {
      throw Inconclusive(reason: "no unlimited throughput run in \(MPSCatalog.computeAlone)")
    }
    if compute.singles.isEmpty {
      throw Inconclusive(reason: "no run under an active thread percentage in \(MPSCatalog.computeAlone)")
    }
    // The witness first: a figure counts only if its percentage was in force.
    let witnessGaps = (compute.singles + compute.pair).compactMap(compute.witnessGap)
    for run in compute.singles + compute.pair {
      if let header = run.output.headerLine { outcome.excerpt.append(header) }
    }
    if !witnessGaps.isEmpty { throw Inconclusive(reason: witnessGaps.joined(separator: "; ")) }
    var measured = ["unlimited \(format(base)) TFLOPS (\(unlimited.sms.map(String.init) ?? "?") SMs)"]
    outcome.excerpt.append("unlimited: \(MPSCompute.series(unlimited)) TFLOPS")
    for run in compute.singles {
      guard let percentage = run.percentage, let mean = run.mean else {
        outcome.gaps.append("no samples for the \(run.label) run")
        continue
      }
      let ratio = mean / base
      let expected = Double(percentage) / 100
      let text =
        "\(percentage) % (\(run.sms.map(String.init) ?? "?") SMs seen): \(format(mean)) TFLOPS = \(format(ratio)) "
        + "of unlimited (expected \(format(expected)) \(tolText))"
      measured.append(text)
      outcome.excerpt.append("\(percentage) %: \(MPSCompute.series(run)) TFLOPS")
      if abs(ratio - expected) > tolerance { outcome.failures.append(text) }
    }
    if let (first, second) = MPSCompute.commonMeans(compute.pair), let p1 = compute.pair[0].percentage,
      let p2 = compute.pair[1].percentage, first + second > 0
    {
      let shares = (first / (first + second), second / (first + second))
      let expected = (Double(p1) / Double(p1 + p2), Double(p2) / Double(p1 + p2))
      let text =
        "side by side at \(p1) % and \(p2) %: \(format(first)) and \(format(second)) TFLOPS = shares "
        + "\(format(shares.0)) and \(format(shares.1)) (expected \(format(expected.0)) and \(format(expected.1)) \(tolText))"
      measured.append(text)
      for run in compute.pair {
        outcome.excerpt.append("pair \(run.label): \(MPSCompute.series(run)) TFLOPS")
      }
      if abs(shares.0 - expected.0) > tolerance || abs(shares.1 - expected.1) > tolerance {
        outcome.failures.append(text)
      }
    } else {
      outcome.gaps.append("no pair of limited runs with common samples in \(MPSCatalog.computePair)")
    }
    if !outcome.failures.isEmpty {
      let rest = measured.filter { !outcome.failures.contains($0) }
      return Finding(
        .fail,
        "the active thread percentage did not hold within \(tolText): "
          + outcome.failures.joined(separator: "; ")
          + (rest.isEmpty ? "" : " (also measured: " + rest.joined(separator: "; ") + ")"))
    }
    if let decided = outcome.decided { return decided }
    return Finding(.pass, measured.joined(separator: "; "))
  }
}
