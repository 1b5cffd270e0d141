import Foundation
import LabPipeline

/// Exercises 6 and 7's measurements read from the compute artifacts: each throughput run with
/// the active thread percentage its command gave it and the SM count the client saw.
struct MPSCompute: Sendable {
  /// One throughput probe run.
  struct Run: Sendable {
    var label: String
    /// `CUDA_MPS_ACTIVE_THREAD_PERCENTAGE` in the run's command; nil when unset.
    var percentage: Int?
    /// The SMs the client saw (`device 0 NAME (N SMs)` in the probe's settings line).
    var sms: Int?
    var output: ThroughputProbeOutput
    var mean: Double? { output.meanTFLOPS }
  }

  var unlimited: Run?
  var singles: [Run] = []
  var pair: [Run] = []
  /// The victim alone, then the victim and its neighbour side by side.
  var victimAlone: Run?
  var noisy: [Run] = []

  init(_ bundle: EvidenceBundle) {
    for run in Self.runs(bundle.artifact(MPSCatalog.computeAlone)) {
      if run.percentage != nil {
        singles.append(run)
      } else if unlimited == nil {
        unlimited = run
      }
    }
    pair = Self.runs(bundle.artifact(MPSCatalog.computePair))
    var noisyRuns = Self.runs(bundle.artifact(MPSCatalog.noisy))
    if !noisyRuns.isEmpty { victimAlone = noisyRuns.removeFirst() }
    noisy = noisyRuns
  }

  /// The throughput runs of `artifact`, each labelled by its percentage.
  static func runs(_ artifact: Artifact?) -> [Run] {
    (artifact?.sections ?? []).compactMap { section in
      guard let output = ThroughputProbeOutput(lines: section.lines), output.headerLine != nil else {
        return nil
      }
      let percentage = (section.command ?? "").firstMatch(of: #/CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=(\d+)/#)
        .flatMap { Int($0.output.1) }
      let sms = output.headerLine?.firstMatch(of: #/\((\d+) SMs\)/#).flatMap { Int($0.output.1) }
      return Run(
        label: percentage.map { "\($0) %" } ?? "unlimited", percentage: percentage, sms: sms, output: output)
    }
  }

  /// Means over the seconds both of two side-by-side runs have (after the first).
  static func commonMeans(_ runs: [Run]) -> (Double, Double)? {
    guard runs.count == 2 else { return nil }
    let first = Dictionary(
      runs[0].output.steadySamples.map { ($0.second, $0.tflops) }, uniquingKeysWith: { a, _ in a })
    let second = Dictionary(
      runs[1].output.steadySamples.map { ($0.second, $0.tflops) }, uniquingKeysWith: { a, _ in a })
    let common = Set(first.keys).intersection(second.keys)
    guard !common.isEmpty else { return nil }
    let count = Double(common.count)
    return (
      common.reduce(0) { $0 + (first[$1] ?? 0) } / count, common.reduce(0) { $0 + (second[$1] ?? 0) } / count
    )
  }

  /// The witness of a limited run (DESIGN principle 8): the SMs its client saw, against the
  /// unlimited client's. A limit in force shows fewer SMs; nil when it confirms, else the gap.
  func witnessGap(_ run: Run) -> String? {
    guard let percentage = run.percentage else { return nil }
    guard let sms = run.sms else {
      return
        "no SM count in the probe's settings line for the \(percentage) % run: nothing shows the limit in force"
    }
    guard let full = unlimited?.sms else {
      return "no unlimited run's SM count to compare the \(percentage) % run's \(sms) SMs with"
    }
    if percentage < 100, sms >= full {
      return
        "the client under CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=\(percentage) saw all \(full) SMs: the percentage "
        + "was not in force (is the client connected to the run's MPS daemon?)"
    }
    return nil
  }

  static func format(_ value: Double) -> String { String(format: "%.2f", value) }

  /// `61.2 60.9 …` (every sample, first included).
  static func series(_ run: Run) -> String {
    run.output.samples.map { String(format: "%.1f", $0.tflops) }.joined(separator: " ")
  }
}
