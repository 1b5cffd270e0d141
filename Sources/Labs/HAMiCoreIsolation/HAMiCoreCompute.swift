import Foundation
import LabPipeline

/// Exercises 6 and 7's runs read from the bundle: each throughput run's samples (the probe's
/// stdout), HAMi-core's witness (its stderr, filed under the same command; in bundles from before
/// the split, the same section) and the watcher's utilization beside the probe's samples.
struct HAMiCoreCompute: Sendable {
  /// One throughput probe run.
  struct Run: Sendable {
    var label: String
    var command: String
    var limit: Int?
    var policy: String?
    var output: ThroughputProbeOutput
    var log: HAMiCoreLog.LimiterLog
    var witness: SetupWitness

    var throughput: MeasuredSeries {
      MeasuredSeries(
        output.samples.map { .init(second: $0.second, value: $0.tflops, capturedAt: $0.capturedAt) })
    }
    var p50: MeasuredSeries {
      MeasuredSeries(output.latency.map { .init(second: $0.second, value: $0.p50Micros) })
    }
    var p99: MeasuredSeries {
      MeasuredSeries(output.latency.map { .init(second: $0.second, value: $0.p99Micros) })
    }

    /// HAMi-core's watcher utilization (`userutil`, %) averaged over each probe second (the
    /// watcher lines captured in the second before the sample's line); nil without timestamps.
    var watcherView: MeasuredSeries? {
      let stamped = log.watcher.compactMap { line in line.capturedAt.map { ($0, Double(line.userutil)) } }
      guard !stamped.isEmpty else { return nil }
      let points = output.samples.compactMap { sample -> MeasuredSeries.Point? in
        guard let end = sample.capturedAt else { return nil }
        let inSecond = stamped.filter { $0.0 > end - 1 && $0.0 <= end }.map(\.1)
        guard !inSecond.isEmpty else { return nil }
        return .init(
          second: sample.second, value: inSecond.reduce(0, +) / Double(inSecond.count), capturedAt: end)
      }
      return points.isEmpty ? nil : MeasuredSeries(points)
    }

    var rule: ComputeLimitRule.Run {
      .init(label: label, limit: limit, throughput: throughput, witness: witness, mechanismView: watcherView)
    }
  }

  var unlimited: Run?
  var singles: [Run] = []
  var pair: [Run] = []
  /// Exercise 7's runs by id suffix: `alone-victim`, `unlimited-victim`, `unlimited-aggressor`,
  /// `limited-victim`, `limited-aggressor`.
  var neighbour: [String: Run] = [:]

  init(_ bundle: EvidenceBundle) {
    for run in Self.runs(bundle, HAMiCoreCatalog.computeAlone, log: HAMiCoreCatalog.computeAloneLog) {
      if let limit = run.limit {
        singles.append(relabelled(run, "limit \(limit)"))
      } else if unlimited == nil {
        unlimited = relabelled(run, "unlimited")
      }
    }
    for run in Self.runs(bundle, HAMiCoreCatalog.computePair, log: HAMiCoreCatalog.computePairLog)
    where run.output.headerLine != nil {
      let name = CardTenant.letter(at: pair.count)
      pair.append(relabelled(run, "pair \(name) (limit \(run.limit.map(String.init) ?? "none"))"))
    }
    for run in Self.runs(bundle, HAMiCoreCatalog.neighbour, log: HAMiCoreCatalog.neighbourLog) {
      guard let cache = HAMiCoreWitness.cache(in: run.command) else { continue }
      let id = URL(fileURLWithPath: cache).lastPathComponent
      guard id.hasPrefix("cache-7-") else { continue }
      let key = String(id.dropFirst("cache-7-".count))
      neighbour[key] = relabelled(run, key.replacingOccurrences(of: "-", with: " "))
    }
  }

  private func relabelled(_ run: Run, _ label: String) -> Run {
    var copy = run
    copy.label = label
    return copy
  }

  /// The throughput runs filed in `artifact`, each with its witness from `log` (the section with
  /// the same command) or, when the bundle has no such file, from its own section.
  static func runs(_ bundle: EvidenceBundle, _ artifact: String, log: String) -> [Run] {
    let logSections = bundle.artifact(log)?.sections ?? []
    return (bundle.artifact(artifact)?.sections ?? []).compactMap { section in
      guard let command = section.command, let output = ThroughputProbeOutput(lines: section.lines) else {
        return nil
      }
      let logLines =
        bundle.artifact(log) == nil
        ? section.lines : logSections.first { $0.command == command }?.lines ?? []
      let limiter = HAMiCoreLog.LimiterLog(lines: logLines)
      let cache = HAMiCoreWitness.cache(in: command)
      let witness = HAMiCoreWitness.of(
        limiter, limit: output.coreLimit, cache: cache,
        reusedBy: HAMiCoreWitness.otherArtifacts(naming: cache, besides: command, in: bundle))
      return Run(
        label: "", command: command, limit: output.coreLimit, policy: output.policy, output: output,
        log: limiter,
        witness: witness)
    }
  }

  /// Exercise 6's rule over these runs; the pair's runs judged on the seconds both ran.
  func computeRule(_ evidence: HAMiCoreEvidence) -> ComputeLimitRule {
    var pairRuns = pair.map(\.rule)
    if pairRuns.count == 2 {
      let (first, second) = (pairRuns[0].throughput, pairRuns[1].throughput)
      pairRuns[0].throughput = first.during(second)
      pairRuns[1].throughput = second.during(first)
    }
    return ComputeLimitRule(
      subject: evidence.subject, tolerance: Double(evidence.tolerancePercent) / 100,
      baseline: unlimited?.rule,
      singles: singles.map(\.rule), pair: pairRuns,
      artifacts: "\(HAMiCoreCatalog.computeAlone) and \(HAMiCoreCatalog.computePair)")
  }

  /// Exercise 7's rule over these runs.
  func neighbourRule(_ evidence: HAMiCoreEvidence) -> NoisyNeighbourRule {
    func makeCase(_ name: String, _ label: String) -> NoisyNeighbourRule.Case? {
      guard let victim = neighbour["\(name)-victim"] else { return nil }
      let aggressor = neighbour["\(name)-aggressor"]
      var witnesses = [(label: "\(label), victim", witness: victim.witness)]
      if let aggressor { witnesses.append((label: "\(label), aggressor", witness: aggressor.witness)) }
      // Beside a neighbour, only the seconds the neighbour was measuring too.
      return NoisyNeighbourRule.Case(
        label: label, victim: victim.throughput, p50: victim.p50, p99: victim.p99,
        aggressorLimit: aggressor?.limit, witnesses: witnesses, victimWaves: victim.output.kernelWaves
      )
      .alongside(aggressor?.throughput)
    }
    return NoisyNeighbourRule(
      mechanism: evidence.subject.mechanism, tolerance: Double(evidence.tolerancePercent) / 100,
      alone: makeCase("alone", "victim alone"),
      unlimited: makeCase("unlimited", "beside an unlimited neighbour"),
      limited: makeCase("limited", "beside a limited neighbour"), artifacts: HAMiCoreCatalog.neighbour)
  }
}
