import Foundation
import LabPipeline

/// One column of `labrun compare`: a verified run and what it showed for each property.
struct ComparedRun: Sendable {
  var runID: String
  var lab: String
  var mechanism: String
  var gpu: String
  var driver: String
  var date: String
  var status: String
  var cells: [ComparedProperty: ComparedCell]

  init(bundle: EvidenceBundle, report: ValidationReport) {
    runID = bundle.run.runID ?? "unknown run id"
    lab = report.lab
    mechanism = Self.mechanisms[report.lab] ?? report.lab
    gpu = report.environment.gpu ?? "unknown"
    driver = report.environment.driver ?? "unknown"
    date = bundle.run.startedAt ?? bundle.date ?? "unknown"
    status = report.status.rawValue
    var reader = ComparedMeasurements(bundle: bundle, report: report, runID: runID)
    cells = reader.cells()
  }

  /// What each lab shares the card with, as the column names it.
  static let mechanisms = [
    HAMiIsolationLab.name: "HAMi on Kubernetes (HAMi-core in pods)",
    HAMiCoreIsolationLab.name: "HAMi-core (LD_PRELOAD)",
    MPSIsolationLab.name: "NVIDIA MPS",
  ]

  /// The property's cell; "not measured" when the run's lab does not measure it.
  func cell(_ property: ComparedProperty) -> ComparedCell { cells[property] ?? .notMeasured }
}
