import Foundation

/// The rule of the exercise kind "noisy neighbour", shared by every lab whose mechanism limits a
/// tenant's compute: a victim tenant (unlimited) measured alone, beside an unlimited aggressor and
/// beside an aggressor held to limit L. The interference (the victim's loss of throughput and its
/// launch-latency p99 inflation against alone) is reported for both neighbours; only the limited
/// case is judged, after its witnesses (``SetupWitness/requireConfirmed(_:)``): the victim keeps at
/// least (100 − L)% of its alone throughput, less the tolerance. The unlimited case is reported,
/// not judged (time-slicing halving the victim is expected).
struct NoisyNeighbourRule {
  /// One configuration the victim was measured in.
  struct Case {
    var label: String
    /// The victim's throughput, one sample a second.
    var victim: MeasuredSeries
    /// The victim's launch latency per second (µs): each second's p50 and p99.
    var p50: MeasuredSeries
    var p99: MeasuredSeries
    /// The aggressor's configured limit; nil when there is none (or no aggressor).
    var aggressorLimit: Int?
    /// The witnesses of the processes in this case (victim and aggressor), labelled.
    var witnesses: [(label: String, witness: SetupWitness)]
    /// The full-card waves each of the victim's kernels has, as its probe said; nil when it did
    /// not say (the first probe: one wave).
    var victimWaves: Int? = nil

    /// This case judged only on the seconds `aggressor` was measuring too
    /// (``MeasuredSeries/alongside(_:)``): the victim's throughput and the latency of those
    /// seconds. Unchanged without an aggressor (the victim alone).
    func alongside(_ aggressor: MeasuredSeries?) -> Case {
      guard let aggressor else { return self }
      var copy = self
      copy.victim = victim.alongside(aggressor)
      let kept = Set(copy.victim.points.map(\.second))
      copy.p50 = MeasuredSeries(p50.points.filter { kept.contains($0.second) })
      copy.p99 = MeasuredSeries(p99.points.filter { kept.contains($0.second) })
      return copy
    }
  }

  var mechanism: String
  var tolerance: Double
  var alone: Case?
  var unlimited: Case?
  var limited: Case?
  var artifacts: String

  func judge(_ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    guard let alone, let limited, let limit = limited.aggressorLimit else {
      throw Inconclusive(
        reason: "not measured: \(artifacts) has no victim-alone and limited-neighbour runs (a lab version "
          + "without the noisy-neighbour exercise)")
    }
    try SetupWitness.requireConfirmed(alone.witnesses + limited.witnesses)
    guard let base = alone.victim.windowMean, base > 0 else {
      throw Inconclusive(reason: "the victim alone has no throughput samples in \(artifacts)")
    }
    let format = MeasuredSeries.format
    var report = ["victim alone: \(describe(alone))"]
    for item in [unlimited, limited].compactMap({ $0 }) {
      outcome.excerpt.append("\(item.label), victim: \(item.victim.series) TFLOPS")
      report.append("\(item.label): \(describe(item)); \(interference(item, against: alone))")
    }
    outcome.excerpt.insert("victim alone: \(alone.victim.series) TFLOPS", at: 0)
    guard let mean = limited.victim.windowMean else {
      throw Inconclusive(reason: "the victim beside the limited neighbour has no samples in \(artifacts)")
    }
    let kept = mean / base
    let required = Double(100 - limit) / 100
    let verdictText =
      "beside a neighbour held to \(limit) (\(mechanism) confirmed it), the victim kept \(format(kept)) of its alone "
      + "throughput (required ≥ \(format(required)) − \(format(tolerance)))"
    let holds = kept + tolerance >= required
    let caveat = holds || (limited.victimWaves ?? 1) > 1 ? [] : [Self.victimShape]
    let text = ([verdictText] + report + caveat).joined(separator: "; ")
    return Finding(holds ? .pass : .fail, text)
  }

  /// What a FAIL says of a one-wave victim (the first probe, whose settings line names no waves):
  /// its kernels fill the card once each (8 blocks of 256 threads per SM), so beside a neighbour
  /// that holds SMs every kernel needs a second wave and the victim keeps about half at most,
  /// whatever the neighbour's limit. Today's probe runs 16 waves a kernel, and its FAIL stands.
  static let victimShape =
    "read with care: each of the victim's kernels is one full-card wave (8 blocks per SM), so beside a "
    + "neighbour holding SMs it needs a second wave and keeps at most about half whatever the limit; this "
    + "FAIL is what this workload lost, not by itself proof that the neighbour exceeded its limit"

  /// `61.20 TFLOPS (…); launch latency p50 12.0 µs, p99 30.1 µs`.
  private func describe(_ item: Case) -> String {
    var text = item.victim.summary(unit: "TFLOPS")
    if let p50 = item.p50.windowMean, let p99 = item.p99.windowMean {
      text += "; launch latency p50 \(String(format: "%.1f", p50)) µs, p99 \(String(format: "%.1f", p99)) µs"
    }
    return text
  }

  /// `loss 0.48 of alone, p99 ×3.10`.
  private func interference(_ item: Case, against alone: Case) -> String {
    guard let base = alone.victim.windowMean, base > 0, let mean = item.victim.windowMean else {
      return "interference unknown"
    }
    var text = "throughput loss \(MeasuredSeries.format(1 - mean / base)) of alone"
    if let p99 = item.p99.windowMean, let aloneP99 = alone.p99.windowMean, aloneP99 > 0 {
      text += ", p99 latency ×\(MeasuredSeries.format(p99 / aloneP99))"
    }
    return text
  }
}
