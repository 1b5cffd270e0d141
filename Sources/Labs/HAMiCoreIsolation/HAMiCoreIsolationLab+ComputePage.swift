import Foundation
import LabPipeline

/// The page's sections for exercises 6 and 7: every run's witness, time-average, oscillation
/// and series, HAMi-core's watcher view beside the probe's.
extension HAMiCoreIsolationLab {
  static let windowNote =
    "Means are time-averages over the last half of each run's one-a-second samples (HAMi-core's limiter adjusts "
    + "every 120 ms and oscillates for tens of seconds); min-max is the range of those per-second samples."

  /// What a witness says, for a table cell.
  static func cell(_ witness: SetupWitness) -> String {
    switch witness {
    case .confirms(let said): return "✅ " + said
    case .contradicts(let defect, _): return "⚠️ " + defect
    case .missing(let what): return "❔ " + what
    }
  }

  /// Exercise 6's measurements.
  static func computeSection(_ compute: HAMiCoreCompute, _ evidence: HAMiCoreEvidence) -> LabPage.Section {
    let tolerancePercent = evidence.tolerancePercent
    let judgedPair = compute.computeRule(evidence).pair
    let format = MeasuredSeries.format
    var lines = [
      "Throughput of the lab's FMA probe, one sample a second (TFLOPS). " + windowNote
        + " Tolerance: ± \(tolerancePercent) percentage points. HAMi-core's witness is its own log at "
        + "LIBCUDA_LOG_LEVEL=3 (stderr, filed beside the probe's output).",
      "",
      "| Run | CUDA_DEVICE_SM_LIMIT | Policy | HAMi-core's witness | Mean TFLOPS | Min-max | Measured | Expected | "
        + "Samples (TFLOPS) | HAMi-core watcher userutil % a second |",
      "|---|---|---|---|---|---|---|---|---|---|",
    ]
    let base = compute.unlimited?.throughput.windowMean
    func row(_ run: HAMiCoreCompute.Run, judged: MeasuredSeries? = nil, measured: String, expected: String) {
      let series = judged ?? run.throughput
      let range = series.windowMin.flatMap { low in series.windowMax.map { "\(format(low))-\(format($0))" } }
      lines.append(
        "| \(run.label) | \(run.limit.map(String.init) ?? "unset") | \(run.policy ?? "unset") | \(cell(run.witness)) | "
          + "\(series.windowMean.map(format) ?? "none") | \(range ?? "none") | \(measured) | \(expected) | "
          + "\(series.series) | \(run.watcherView?.series ?? "none") |")
    }
    if let unlimited = compute.unlimited { row(unlimited, measured: "1.00", expected: "1.00") }
    for run in compute.singles {
      var ratio = "?"
      if let mean = run.throughput.windowMean, let base, base > 0 {
        ratio = format(mean / base) + " of unlimited"
      }
      row(run, measured: ratio, expected: run.limit.map { format(Double($0) / 100) } ?? "?")
    }
    let means = judgedPair.compactMap(\.throughput.windowMean)
    let limits = compute.pair.compactMap(\.limit)
    for (index, run) in compute.pair.enumerated() {
      var measured = "?"
      var expected = "?"
      if means.count == 2, means[0] + means[1] > 0 {
        measured = "share " + format(means[index] / (means[0] + means[1]))
      }
      if limits.count == 2, let limit = run.limit {
        expected = format(Double(limit) / Double(limits[0] + limits[1]))
      }
      row(
        run, judged: index < judgedPair.count ? judgedPair[index].throughput : nil, measured: measured,
        expected: expected)
    }
    if compute.unlimited == nil, compute.singles.isEmpty, compute.pair.isEmpty {
      lines.append("| no throughput runs in the evidence | | | | | | | | | |")
    }
    if let jain = ComputeLimitRule.fairness(judgedPair) {
      lines += [
        "",
        "Jain's fairness index of the pair, on each tenant's throughput divided by its entitled share (its limit): "
          + "\(format(jain)) (1.00 = each got what its limit entitles; raw throughputs of a 30/70 pair would give about "
          + "0.86 even when the limits hold).",
      ]
    }
    return LabPage.Section(heading: "Compute measurements (exercise 6)", lines: lines)
  }

  /// Exercise 7's measurements: the victim in each case, the interference, and the comparison.
  static func neighbourSection(_ compute: HAMiCoreCompute, _ evidence: HAMiCoreEvidence) -> LabPage.Section {
    let format = MeasuredSeries.format
    guard compute.neighbour["alone-victim"] != nil else {
      return LabPage.Section(
        heading: "Noisy neighbour (exercise 7)",
        lines: [
          "Not measured: this bundle has no \(HAMiCoreCatalog.neighbour) (a lab version without exercise 7)."
        ])
    }
    var lines = [
      "The victim (tenant a, no core limit) launches one short kernel at a time and waits for it: its throughput "
        + "(TFLOPS) and launch-to-completion latency (µs, each second's p50 and p99, averaged over the window). Beside a neighbour, only the seconds the "
        + "neighbour was measuring too count. "
        + windowNote + " The unlimited case is reported, not judged.",
      "",
      "| Case | Neighbour's CUDA_DEVICE_SM_LIMIT | HAMi-core's witness (neighbour) | Victim mean TFLOPS | Min-max | "
        + "Loss vs alone | p50 µs | p99 µs | p99 vs alone | Victim samples (TFLOPS) |",
      "|---|---|---|---|---|---|---|---|---|---|",
    ]
    let rule = compute.neighbourRule(evidence)
    let judged = [("alone", rule.alone), ("unlimited", rule.unlimited), ("limited", rule.limited)]
    for (key, item) in judged {
      guard let item else { continue }
      let aggressor = compute.neighbour["\(key)-aggressor"]
      let series = item.victim
      var loss = "-"
      var inflation = "-"
      if key != "alone", let base = rule.alone?.victim.windowMean, base > 0, let mean = series.windowMean {
        loss = format(1 - mean / base)
      }
      if key != "alone", let base = rule.alone?.p99.windowMean, base > 0, let p99 = item.p99.windowMean {
        inflation = "×" + format(p99 / base)
      }
      let range = series.windowMin.flatMap { low in series.windowMax.map { "\(format(low))-\(format($0))" } }
      lines.append(
        "| \(item.label) | \(aggressor.map { $0.limit.map(String.init) ?? "unset" } ?? "no neighbour") | "
          + "\(aggressor.map { cell($0.witness) } ?? "-") | \(series.windowMean.map(format) ?? "none") | "
          + "\(range ?? "none") | \(loss) | \(item.p50.windowMean.map { String(format: "%.1f", $0) } ?? "none") | "
          + "\(item.p99.windowMean.map { String(format: "%.1f", $0) } ?? "none") | \(inflation) | \(series.series) |"
      )
    }
    lines += ["", gpuVirtBenchNote]
    return LabPage.Section(heading: "Noisy neighbour (exercise 7)", lines: lines)
  }

  static let gpuVirtBenchNote =
    "For comparison: GPU-Virt-Bench (arXiv 2512.22125; its repository's README, BudEcosystem/GPU-Virt-Bench) "
    + "reports a noisy-neighbour impact of 14.38% for HAMi-core at a 25% GPU slice (4.74% for BUD-FCSP), measured "
    + "with its own workloads and metric definition on another card; compare it with the loss of the limited case "
    + "above only as an order of magnitude. It reports no launch-latency p99 figure this page could be set against."
}
