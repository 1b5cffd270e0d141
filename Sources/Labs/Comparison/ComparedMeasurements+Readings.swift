import Foundation
import LabPipeline

/// The memory and compute cells of the labs without Kubernetes, read from their artifacts.
extension ComparedMeasurements {
  private var isMPS: Bool { report.lab == MPSIsolationLab.name }

  /// Limit, where refused, usable share and OOM exactness, per tenant alone.
  func memory() -> [ComparedProperty: ComparedCell] {
    guard let tenants = bundle.run.parameters["tenants"]?.text.flatMap(HAMiCoreTenant.parse) else {
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

  /// Accuracy per limit alone, and the pair's shares.
  func compute() -> [ComparedProperty: ComparedCell] {
    let format = MPSCompute.format
    var accuracy: [String] = []
    var pair: String?
    var files: [String]
    if isMPS {
      let compute = MPSCompute(bundle)
      files = [MPSCatalog.computeAlone, MPSCatalog.computePair]
      if let base = compute.unlimited?.mean, base > 0 {
        for run in compute.singles {
          guard let percentage = run.percentage, let mean = run.mean else { continue }
          let ratio = mean / base
          accuracy.append(
            "\(percentage) %: \(format(abs(ratio - Double(percentage) / 100))) (measured \(format(ratio)))")
        }
      }
      if let means = MPSCompute.commonMeans(compute.pair), let p1 = compute.pair[0].percentage,
        let p2 = compute.pair[1].percentage
      {
        pair = Self.shares(means, p1, p2)
      }
    } else {
      let compute = HAMiCoreCompute(bundle)
      files = [HAMiCoreCatalog.computeAlone, HAMiCoreCatalog.computePair]
      if let base = compute.unlimited?.mean, base > 0 {
        for run in compute.singles {
          guard let limit = run.limit, let mean = run.mean else { continue }
          let ratio = mean / base
          accuracy.append(
            "limit \(limit): \(format(abs(ratio - Double(limit) / 100))) (measured \(format(ratio)))")
        }
      }
      if let means = compute.pairMeans, let l1 = compute.pair[0].limit, let l2 = compute.pair[1].limit {
        pair = Self.shares(means, l1, l2)
      }
    }
    var cells: [ComparedProperty: ComparedCell] = [:]
    if !accuracy.isEmpty {
      cells[.computeAccuracy] = ComparedCell(
        text: accuracy.joined(separator: "; "), evidence: cite(Array(files.prefix(1))))
    }
    if let pair { cells[.pairShares] = ComparedCell(text: pair, evidence: cite(Array(files.suffix(1)))) }
    return cells
  }

  /// `30/70: shares 0.29/0.71 (expected 0.30/0.70, off by 0.01)`.
  static func shares(_ means: (Double, Double), _ first: Int, _ second: Int) -> String {
    let format = MPSCompute.format
    let total = means.0 + means.1
    guard total > 0 else { return "\(first)/\(second): no throughput" }
    let shares = (means.0 / total, means.1 / total)
    let expected = Double(first) / Double(first + second)
    return
      "\(first)/\(second): shares \(format(shares.0))/\(format(shares.1)) (expected \(format(expected))/"
      + "\(format(1 - expected)), off by \(format(abs(shares.0 - expected))))"
  }
}
