import Foundation
import LabPipeline

/// The memory and compute cells of the labs without Kubernetes, read from their artifacts.
extension ComparedMeasurements {
  private var isMPS: Bool { report.lab == MPSIsolationLab.name }

  /// Limit, where refused, usable share and OOM exactness, per tenant alone.
  func memory() -> [ComparedProperty: ComparedCell] {
    guard let tenants = bundle.run.parameters["tenants"]?.text.flatMap(CardTenant.parse) else {
      return [:]
    }
    var limits: [String] = []
    var refused: [String] = []
    var shares: [String] = []
    var exactness: [String] = []
    var files: [String] = []
    for tenant in tenants {
      let file = isMPS ? MPSCatalog.tenantAlone(tenant.name) : HAMiCoreCatalog.tenantAlone(tenant.name)
      limits.append("\(tenant.name) \(tenant.sliceMiB) MiB")
      guard let artifact = bundle.artifact(file) else {
        refused.append("\(tenant.name) no probe")
        continue
      }
      files.append(file)
      let lines = artifact.outputLines
      let probe = ProbeOutput(lines: lines)
      guard let at = probe?.refusedAfterMiB else {
        refused.append("\(tenant.name) no refusal")
        continue
      }
      refused.append("\(tenant.name) after \(at) MiB")
      shares.append("\(tenant.name) \(String(format: "%.2f", Double(at) / Double(tenant.sliceMiB)))")
      if isMPS {
        let error = probe?.refusalLine?.split(separator: ":").last.map {
          $0.trimmingCharacters(in: .whitespaces)
        }
        exactness.append("\(tenant.name): no limit line (MPS logs none); the client got \"\(error ?? "?")\"")
      } else {
        let bytes = tenant.limitBytes
        let exact = HAMiCoreLog.oomLines(in: lines).contains { $0.limitBytes == bytes && $0.showsRefusal }
        exactness.append(
          "\(tenant.name): " + (exact ? "OOM line names exactly \(bytes) B" : "no OOM line naming \(bytes) B")
        )
      }
    }
    let evidence = cite(files)
    return [
      .memoryLimit: ComparedCell(
        text: limits.joined(separator: ", ")
          + (isMPS ? " (CUDA_MPS_PINNED_DEVICE_MEM_LIMIT)" : " (CUDA_DEVICE_MEMORY_LIMIT)"),
        evidence: evidence),
      .memoryRefusedAt: ComparedCell(text: refused.joined(separator: ", "), evidence: evidence),
      .memoryUsableShare: ComparedCell(
        text: shares.isEmpty ? "no refusal read" : shares.joined(separator: ", "), evidence: evidence),
      .memoryOOMExactness: ComparedCell(text: exactness.joined(separator: "; "), evidence: evidence),
    ]
  }

  /// Accuracy per limit alone, the pair's shares, and the victim's loss beside a limited
  /// neighbour, each on the judged window of its runs (``MeasuredSeries/windowMean``), as the
  /// exercises judge them.
  func compute() -> [ComparedProperty: ComparedCell] {
    typealias Measured = (limit: Int?, series: MeasuredSeries)
    var baseline: MeasuredSeries?
    var singles: [Measured] = []
    var pair: [Measured] = []
    var neighbour: (alone: MeasuredSeries, limited: MeasuredSeries, limit: Int)?
    var files: [String]
    if isMPS {
      let compute = MPSCompute(bundle)
      files = [MPSCatalog.computeAlone, MPSCatalog.computePair, MPSCatalog.noisy]
      baseline = compute.unlimited.map(MPSCompute.throughput)
      singles = compute.singles.map { ($0.percentage, MPSCompute.throughput($0)) }
      pair = compute.pair.map { ($0.percentage, MPSCompute.throughput($0)) }
      if let alone = compute.victimAlone, let victim = compute.besideLimited.first,
        let limit = compute.besideLimited.dropFirst().first?.percentage
      {
        neighbour = (MPSCompute.throughput(alone), MPSCompute.throughput(victim), limit)
      }
    } else {
      let compute = HAMiCoreCompute(bundle)
      files = [HAMiCoreCatalog.computeAlone, HAMiCoreCatalog.computePair, HAMiCoreCatalog.neighbour]
      baseline = compute.unlimited?.throughput
      singles = compute.singles.map { ($0.limit, $0.throughput) }
      pair = compute.pair.map { ($0.limit, $0.throughput) }
      if let alone = compute.neighbour["alone-victim"], let victim = compute.neighbour["limited-victim"],
        let limit = compute.neighbour["limited-aggressor"]?.limit
      {
        neighbour = (alone.throughput, victim.throughput, limit)
      }
    }
    let format = MeasuredSeries.format
    var cells: [ComparedProperty: ComparedCell] = [:]
    if let base = baseline?.windowMean, base > 0 {
      let accuracy = singles.compactMap { single -> String? in
        guard let limit = single.limit, let mean = single.series.windowMean else { return nil }
        let ratio = mean / base
        return "\(limit): \(format(abs(ratio - Double(limit) / 100))) (measured \(format(ratio)))"
      }
      if !accuracy.isEmpty {
        cells[.computeAccuracy] = ComparedCell(
          text: accuracy.joined(separator: "; "), evidence: cite([files[0]]))
      }
    }
    if pair.count == 2, let l1 = pair[0].limit, let l2 = pair[1].limit, let m1 = pair[0].series.windowMean,
      let m2 = pair[1].series.windowMean
    {
      cells[.pairShares] = ComparedCell(text: Self.shares((m1, m2), l1, l2), evidence: cite([files[1]]))
    }
    if let neighbour, let base = neighbour.alone.windowMean, base > 0, let mean = neighbour.limited.windowMean
    {
      let verdict =
        report.exercises.first { $0.id == "7" }.map { " (exercise 7 \($0.verdict.rawValue))" } ?? ""
      cells[.noisyNeighbour] = ComparedCell(
        text: "the victim kept \(format(mean / base)) of its alone throughput beside a neighbour held to "
          + "\(neighbour.limit)\(verdict)",
        evidence: cite([files[2]]))
    }
    return cells
  }

  /// `30/70: shares 0.29/0.71 (expected 0.30/0.70, off by 0.01)`.
  static func shares(_ means: (Double, Double), _ first: Int, _ second: Int) -> String {
    let format = MeasuredSeries.format
    let total = means.0 + means.1
    guard total > 0 else { return "\(first)/\(second): no throughput" }
    let shares = (means.0 / total, means.1 / total)
    let expected = Double(first) / Double(first + second)
    return
      "\(first)/\(second): shares \(format(shares.0))/\(format(shares.1)) (expected \(format(expected))/"
      + "\(format(1 - expected)), off by \(format(abs(shares.0 - expected))))"
  }
}
