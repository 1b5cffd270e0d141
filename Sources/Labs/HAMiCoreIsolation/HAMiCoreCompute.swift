import Foundation
import LabPipeline

/// Exercise 6's measurements read from the compute artifacts: the unlimited run, each single
/// limit's run and the pair's two runs, each with its samples.
struct HAMiCoreCompute {
  /// One throughput probe run.
  struct Run {
    var label: String
    var limit: Int?
    var policy: String?
    var output: ThroughputProbeOutput
    var mean: Double? { output.meanTFLOPS }
  }

  var unlimited: Run?
  var singles: [Run] = []
  var pair: [Run] = []

  init(_ bundle: EvidenceBundle) {
    for section in bundle.artifact(HAMiCoreCatalog.computeAlone)?.sections ?? [] {
      guard let output = ThroughputProbeOutput(lines: section.lines) else { continue }
      if let limit = output.coreLimit {
        singles.append(Run(label: "limit \(limit)", limit: limit, policy: output.policy, output: output))
      } else if unlimited == nil {
        unlimited = Run(label: "unlimited", limit: nil, policy: output.policy, output: output)
      }
    }
    for section in bundle.artifact(HAMiCoreCatalog.computePair)?.sections ?? [] {
      guard let output = ThroughputProbeOutput(lines: section.lines), output.headerLine != nil else {
        continue
      }
      let name = HAMiCoreTenant.letter(at: pair.count)
      pair.append(
        Run(
          label: "pair \(name) (limit \(output.coreLimit.map(String.init) ?? "none"))",
          limit: output.coreLimit,
          policy: output.policy, output: output))
    }
  }

  /// The samples both pair runs have (by second, after the first), as two parallel means.
  var pairMeans: (Double, Double)? {
    guard pair.count == 2 else { return nil }
    let first = Dictionary(
      pair[0].output.steadySamples.map { ($0.second, $0.tflops) }, uniquingKeysWith: { a, _ in a })
    let second = Dictionary(
      pair[1].output.steadySamples.map { ($0.second, $0.tflops) }, uniquingKeysWith: { a, _ in a })
    let common = Set(first.keys).intersection(second.keys)
    guard !common.isEmpty else { return nil }
    let count = Double(common.count)
    return (
      common.reduce(0) { $0 + (first[$1] ?? 0) } / count, common.reduce(0) { $0 + (second[$1] ?? 0) } / count
    )
  }

  static func format(_ value: Double) -> String { String(format: "%.2f", value) }

  /// `61.2 60.9 …` (every sample, first included).
  static func series(_ run: Run) -> String {
    run.output.samples.map { String(format: "%.1f", $0.tflops) }.joined(separator: " ")
  }
}
