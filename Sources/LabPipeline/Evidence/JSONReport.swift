import Foundation

/// The JSON form's shape (snake_case keys; absent values are `null`).
struct JSONReport: Encodable {
  struct Environment: Encodable {
    @NullWhenAbsent var gpu: String?
    @NullWhenAbsent var gpuMemoryMiB: Int?
    @NullWhenAbsent var gpuUUID: String?
    @NullWhenAbsent var driver: String?
    @NullWhenAbsent var cuda: String?
    @NullWhenAbsent var kubernetes: String?
    @NullWhenAbsent var machine: String?

    enum CodingKeys: String, CodingKey {
      case gpu, driver, cuda, kubernetes, machine
      case gpuMemoryMiB = "gpu_memory_mib"
      case gpuUUID = "gpu_uuid"
    }

  }

  var status: ValidationStatus
  @NullWhenAbsent var date: String?
  var lab: String
  @NullWhenAbsent var runID: String?
  @NullWhenAbsent var targetKind: String?
  var provenance: String
  var integrity: String
  var statusReasons: [String]
  var environment: Environment
  var exercises: [ExerciseResult]
  var artifacts: [EvidenceCitation]
  /// The verified signer of the bundle archive (`verify --allowed-signers`), else null.
  @NullWhenAbsent var signature: BundleSigner?

  enum CodingKeys: String, CodingKey {
    case status, date, lab, provenance, integrity, environment, exercises, artifacts, signature
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
    exercises = report.exercises
    signature = report.signer
  }

}

/// Encodes an optional as JSON `null` when it is absent, where synthesized Encodable would
/// leave the key out: the JSON form always has every key.
@propertyWrapper
struct NullWhenAbsent<Value: Encodable>: Encodable {
  var wrappedValue: Value?

  init(wrappedValue: Value?) {
    self.wrappedValue = wrappedValue
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
  }
}
