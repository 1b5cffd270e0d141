import Foundation

/// The JSON form's shape (snake_case keys; absent values are `null`).
struct JSONReport: Encodable {
  struct Environment: Encodable {
    var gpu: String?
    var gpuMemoryMiB: Int?
    var gpuUUID: String?
    var driver: String?
    var cuda: String?
    var kubernetes: String?
    var machine: String?

    enum CodingKeys: String, CodingKey {
      case gpu, driver, cuda, kubernetes, machine
      case gpuMemoryMiB = "gpu_memory_mib"
      case gpuUUID = "gpu_uuid"
    }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(gpu, forKey: .gpu)
      try container.encode(gpuMemoryMiB, forKey: .gpuMemoryMiB)
      try container.encode(gpuUUID, forKey: .gpuUUID)
      try container.encode(driver, forKey: .driver)
      try container.encode(cuda, forKey: .cuda)
      try container.encode(kubernetes, forKey: .kubernetes)
      try container.encode(machine, forKey: .machine)
    }
  }

  struct Exercise: Encodable {
    var id: String
    var title: String
    var criteria: String
    var verdict: Verdict
    var reason: String
    var excerpt: [String]
    var evidence: [EvidenceCitation]
  }

  var status: ValidationStatus
  var date: String?
  var lab: String
  var runID: String?
  var targetKind: String?
  var provenance: String
  var integrity: String
  var statusReasons: [String]
  var environment: Environment
  var exercises: [Exercise]
  var artifacts: [EvidenceCitation]

  enum CodingKeys: String, CodingKey {
    case status, date, lab, provenance, integrity, environment, exercises, artifacts
    case runID = "run_id"
    case targetKind = "target_kind"
    case statusReasons = "status_reasons"
  }

  init(_ report: ValidationReport) {
    status = report.status
    date = report.date
    lab = report.lab
    runID = report.runID
    targetKind = report.targetKind
    switch report.provenance {
    case .recorded: provenance = "recorded"
    case .imported: provenance = "imported"
    }
    switch report.integrity {
    case .verified: integrity = "verified"
    case .checksumsMissing: integrity = "checksums_missing"
    case .notRecorded: integrity = "not_recorded"
    }
    statusReasons = report.statusReasons
    let env = report.environment
    environment = Environment(
      gpu: env.gpu, gpuMemoryMiB: env.gpuMemoryMiB, gpuUUID: env.gpuUUID, driver: env.driver, cuda: env.cuda,
      kubernetes: env.kubernetes, machine: env.machine)
    artifacts = report.artifacts
    exercises = report.exercises.map {
      Exercise(
        id: $0.id, title: $0.title, criteria: $0.criteria, verdict: $0.verdict, reason: $0.reason,
        excerpt: $0.excerpt, evidence: $0.evidence)
    }
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(status, forKey: .status)
    try container.encode(date, forKey: .date)
    try container.encode(lab, forKey: .lab)
    try container.encode(runID, forKey: .runID)
    try container.encode(targetKind, forKey: .targetKind)
    try container.encode(provenance, forKey: .provenance)
    try container.encode(integrity, forKey: .integrity)
    try container.encode(statusReasons, forKey: .statusReasons)
    try container.encode(environment, forKey: .environment)
    try container.encode(exercises, forKey: .exercises)
    try container.encode(artifacts, forKey: .artifacts)
  }
}
