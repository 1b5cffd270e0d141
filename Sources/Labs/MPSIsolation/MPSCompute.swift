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
  /// Exercise 7: the victim alone; victim and aggressor beside each other, unlimited then limited.
  var victimAlone: Run?
  var besideUnlimited: [Run] = []
  var besideLimited: [Run] = []

  init(_ bundle: EvidenceBundle) {
    for run in Self.runs(bundle.artifact(MPSCatalog.computeAlone)) {
      if run.percentage != nil {
        singles.append(run)
      } else if unlimited == nil {
        unlimited = run
      }
    }
    pair = Self.runs(bundle.artifact(MPSCatalog.computePair))
    let noisy = Self.runs(bundle.artifact(MPSCatalog.noisy))
    victimAlone = noisy.first
    besideUnlimited = Array(noisy.dropFirst().prefix(2))
    besideLimited = Array(noisy.dropFirst(3).prefix(2))
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

  /// A run's samples as the shared rules read them.
  static func throughput(_ run: Run) -> MeasuredSeries {
    MeasuredSeries(
      run.output.samples.map { .init(second: $0.second, value: $0.tflops, capturedAt: $0.capturedAt) })
  }

  /// A latency-mode run's per-second p50 and p99 (µs).
  static func latency(_ run: Run) -> (p50: MeasuredSeries, p99: MeasuredSeries) {
    let samples = run.output.latency
    return (
      MeasuredSeries(samples.map { .init(second: $0.second, value: $0.p50Micros, capturedAt: nil) }),
      MeasuredSeries(samples.map { .init(second: $0.second, value: $0.p99Micros, capturedAt: nil) })
    )
  }

  /// MPS's witness for a run (docs/design.md: a measurement proves its setup first): the SMs its
  /// client saw, against the unlimited client's. A percentage in force shows fewer SMs; a client
  /// without one sees them all.
  func witness(_ run: Run) -> SetupWitness {
    guard let sms = run.sms else {
      return .missing(what: "no SM count in the probe's settings line")
    }
    guard let full = unlimited?.sms else {
      return .missing(what: "no unlimited client's SM count to compare its \(sms) SMs with")
    }
    guard let percentage = run.percentage else {
      return sms == full
        ? .confirms(said: "no percentage: the client saw all \(full) SMs")
        : .contradicts(
          defect:
            "a client without a percentage saw \(sms) of \(full) SMs: the daemon applies a default percentage",
          fix: "start the daemon without set_default_active_thread_percentage")
    }
    if percentage < 100, sms >= full {
      return .contradicts(
        defect: "the client under CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=\(percentage) saw all \(full) SMs",
        fix: "connect the client to the run's MPS daemon (CUDA_MPS_PIPE_DIRECTORY)")
    }
    return .confirms(
      said: "CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=\(percentage): the client saw \(sms) of \(full) SMs")
  }

  static func format(_ value: Double) -> String { String(format: "%.2f", value) }

  /// `61.2 60.9 …` (every sample, first included).
  static func series(_ run: Run) -> String {
    run.output.samples.map { String(format: "%.1f", $0.tflops) }.joined(separator: " ")
  }
}
