import Foundation
import LabPipeline

/// Reads one run's cells from its bundle and its verified results: each cell's words come from
/// the same readers the lab's checks use, and it cites the artifacts it read.
struct ComparedMeasurements {
  let bundle: EvidenceBundle
  let report: ValidationReport
  let runID: String

  /// Every property this run's lab measures.
  mutating func cells() -> [ComparedProperty: ComparedCell] {
    var cells: [ComparedProperty: ComparedCell] = [:]
    let labs = [HAMiIsolationLab.name, HAMiCoreIsolationLab.name, MPSIsolationLab.name]
    guard labs.contains(report.lab) else { return cells }
    cells[.coResidency] = exercise("1")
    cells[.viewVirtualised] = exercise("2")
    cells[.mechanism] = exercise("5")
    if report.lab == HAMiIsolationLab.name {
      cells[.memoryRefusedAt] = exercise("3", fact: "refused_mib", unit: " MiB")
      cells[.memoryLimit] = exercise("3", fact: "slice_mib", unit: " MiB")
      return cells
    }
    cells[.perTenantLimits] = exercise("4")
    cells.merge(memory(), uniquingKeysWith: { _, new in new })
    cells.merge(compute(), uniquingKeysWith: { _, new in new })
    return cells
  }

  func cite(_ citations: [EvidenceCitation]) -> [ComparedCell.Citation] {
    citations.map { ComparedCell.Citation(runID: runID, artifact: $0.file, sha256: $0.sha256) }.sorted {
      $0.artifact < $1.artifact
    }
  }

  func cite(_ names: [String]) -> [ComparedCell.Citation] {
    cite(names.compactMap { bundle.artifact($0).map(EvidenceCitation.init) })
  }

  /// The exercise's verdict (and one of its facts, when asked) with the artifacts it cited.
  func exercise(_ id: String, fact: String? = nil, unit: String = "") -> ComparedCell? {
    guard let result = report.exercises.first(where: { $0.id == id }) else { return nil }
    var text = "exercise \(id) \(result.verdict.rawValue)"
    if let fact {
      guard let value = result.facts[fact] else { return nil }
      text = value + unit
    } else if result.verdict == .pass, let summary = Self.summary[report.lab]?[id] {
      text = summary + " (\(text))"
    }
    return ComparedCell(text: text, evidence: cite(result.evidence))
  }

  /// What a PASS of each lab's exercise says, in a few words.
  static let summary: [String: [String: String]] = [
    HAMiIsolationLab.name: [
      "1": "share pods on one GPU", "2": "yes: nvidia-smi in a pod shows the slice",
      "5": "HAMi-core in the pods",
    ],
    HAMiCoreIsolationLab.name: [
      "1": "tenants on one GPU", "2": "yes: nvidia-smi under the preload shows the slice",
      "4": "each tenant held to its own slice", "5": "libvgpu.so via LD_PRELOAD, a cache file each",
    ],
    MPSIsolationLab.name: [
      "1": "clients on one GPU under one MPS server",
      "2": "no: cudaMemGetInfo free within the pinned limit, total physical",
      "4": "each client held to its own pinned limit", "5": "a private MPS daemon and server",
    ],
  ]
}
