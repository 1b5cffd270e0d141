import Foundation

/// The rule of the exercise kind "compute limit", shared by every lab that limits a tenant's
/// share of the card's compute (HAMi-core's `CUDA_DEVICE_SM_LIMIT`, MPS's
/// `CUDA_MPS_ACTIVE_THREAD_PERCENTAGE`). A lab reads its runs and its mechanism's witness per run;
/// the rule judges setup first (``SetupWitness/requireConfirmed(_:)``), then the figures:
///
/// - alone, limit L: the run's time-average over its judged window (``MeasuredSeries/window``)
///   divided by the unlimited baseline's is within the tolerance of L/100;
/// - side by side, limits L1 and L2: each tenant's share of their combined time-averages is
///   within the tolerance of L1/(L1+L2) and L2/(L1+L2). Jain's fairness index of each tenant's
///   throughput divided by its entitled share is reported (1 = each got what its limit entitles).
///
/// A ratio outside the tolerance, with every witness confirming, is a FAIL that names the
/// mechanism, the card, the limit the mechanism confirmed and what was measured.
struct ComputeLimitRule {
  /// One measured run.
  struct Run {
    var label: String
    /// The configured limit (percent); nil for the unlimited baseline.
    var limit: Int?
    /// Throughput, one sample a second.
    var throughput: MeasuredSeries
    var witness: SetupWitness
    /// The mechanism's own view of the run, a value a second (e.g. HAMi-core's utilization
    /// watcher), shown beside the probe's; nil when it has none.
    var mechanismView: MeasuredSeries?
  }

  /// Who enforces the limit and where, in a verdict's words.
  struct Subject {
    /// `HAMi-core 8f3a89c`, `NVIDIA MPS`.
    var mechanism: String
    /// `CUDA_DEVICE_SM_LIMIT`.
    var setting: String
    /// The card's name, when the evidence has it.
    var card: String?
    /// Upstream reports a FAIL matches (`HAMi-core issues #274 and #314, PR #317`); nil for none.
    var knownIssues: String?
  }

  var subject: Subject
  /// Percentage points as a fraction (0.10).
  var tolerance: Double
  var baseline: Run?
  var singles: [Run]
  var pair: [Run]
  /// Where the runs are filed, for a gap's words.
  var artifacts: String

  static let unit = "TFLOPS"

  func judge(_ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let runs = [baseline].compactMap { $0 } + singles + pair
    try SetupWitness.requireConfirmed(runs.map { ($0.label, $0.witness) })
    let format = MeasuredSeries.format
    let tolText = "± \(format(tolerance))"
    var measured: [String] = []
    for run in runs {
      outcome.excerpt.append("\(run.label): \(run.throughput.series) \(Self.unit)")
      if let view = run.mechanismView {
        outcome.excerpt.append("\(run.label), \(subject.mechanism)'s own view: \(view.series)")
      }
    }
    if let baseline, let base = baseline.throughput.windowMean, base > 0 {
      measured.append("unlimited \(baseline.throughput.summary(unit: Self.unit))")
      for run in singles {
        guard let limit = run.limit, let mean = run.throughput.windowMean else {
          outcome.gaps.append("no samples for \(run.label)")
          continue
        }
        let ratio = mean / base
        let expected = Double(limit) / 100
        let text =
          "limit \(limit): \(run.throughput.summary(unit: Self.unit)) = \(format(ratio)) of unlimited "
          + "(expected \(format(expected)) \(tolText))"
        measured.append(text)
        if abs(ratio - expected) > tolerance { outcome.failures.append(text) }
      }
    } else {
      outcome.gaps.append("no unlimited baseline run in \(artifacts)")
    }
    if singles.isEmpty { outcome.gaps.append("no single-tenant limited run in \(artifacts)") }
    judgePair(&outcome, &measured)
    if !outcome.failures.isEmpty {
      let confirmed = runs.filter { $0.limit != nil }.compactMap { run in
        run.witness.confirmation.map { "\(run.label): \($0)" }
      }
      let rest = measured.filter { !outcome.failures.contains($0) }
      return Finding(
        .fail,
        "the limit was in force (\(subject.mechanism) confirmed it: " + confirmed.joined(separator: "; ")
          + ") yet \(subject.card.map { "the \($0)" } ?? "the card") was not held to it within \(tolText): "
          + outcome.failures.joined(separator: "; ")
          + (rest.isEmpty ? "" : " (also measured: " + rest.joined(separator: "; ") + ")")
          + (subject.knownIssues.map { ". This matches \($0)" } ?? ""))
    }
    if let decided = outcome.decided { return decided }
    return Finding(.pass, measured.joined(separator: "; "))
  }

  /// The pair's shares against their limits' proportions, and Jain's index on throughput per
  /// entitled share.
  private func judgePair(_ outcome: inout CheckOutcome, _ measured: inout [String]) {
    let format = MeasuredSeries.format
    guard pair.count == 2, let l1 = pair[0].limit, let l2 = pair[1].limit,
      let first = pair[0].throughput.windowMean, let second = pair[1].throughput.windowMean,
      first + second > 0
    else {
      outcome.gaps.append("no pair of limited runs with samples in \(artifacts)")
      return
    }
    let shares = (first / (first + second), second / (first + second))
    let expected = (Double(l1) / Double(l1 + l2), Double(l2) / Double(l1 + l2))
    let jain = Self.fairness(pair)
    let text =
      "side by side, limits \(l1) and \(l2): \(format(first)) and \(format(second)) \(Self.unit) = shares "
      + "\(format(shares.0)) and \(format(shares.1)) (expected \(format(expected.0)) and \(format(expected.1)) "
      + "± \(format(tolerance)))"
      + (jain.map { "; Jain's fairness index on throughput per entitled share \(format($0))" } ?? "")
    measured.append(text)
    if abs(shares.0 - expected.0) > tolerance || abs(shares.1 - expected.1) > tolerance {
      outcome.failures.append(text)
    }
  }

  /// Jain's index of each run's time-average divided by its limit (its entitled share); nil when
  /// a run has no limit or no samples.
  static func fairness(_ runs: [Run]) -> Double? {
    let normalised = runs.compactMap { run -> Double? in
      guard let limit = run.limit, limit > 0, let mean = run.throughput.windowMean else { return nil }
      return mean / Double(limit)
    }
    guard normalised.count == runs.count else { return nil }
    return MeasuredSeries.jainIndex(normalised)
  }
}
