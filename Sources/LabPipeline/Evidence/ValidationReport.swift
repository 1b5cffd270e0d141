import Foundation

/// Everything the page and `--format json` show, decided from one bundle.
public struct ValidationReport: Sendable, Hashable {
  public var lab: String
  public var runID: String?
  public var status: ValidationStatus
  /// Why the status is not VALIDATED (empty when it is).
  public var statusReasons: [String]
  /// `YYYY-MM-DD` of the run, never today's date.
  public var date: String?
  /// run.json's `started_at` as recorded, when there is one.
  public var startedAt: String?
  public var targetKind: String?
  public var environment: EnvironmentSummary
  public var exercises: [ExerciseResult]
  public var page: LabPage
  public var integrity: EvidenceBundle.Integrity
  public var provenance: EvidenceBundle.Provenance
  public var provider: String?
  /// Every artifact in the bundle with its SHA-256, sorted by name.
  public var artifacts: [EvidenceCitation]
  /// Who signed the bundle archive, when its signature was verified.
  public var signer: BundleSigner?

  public init(
    lab: String, runID: String?, status: ValidationStatus, statusReasons: [String], date: String?,
    targetKind: String?, environment: EnvironmentSummary, exercises: [ExerciseResult], page: LabPage,
    integrity: EvidenceBundle.Integrity, provenance: EvidenceBundle.Provenance, provider: String?,
    artifacts: [EvidenceCitation] = [], startedAt: String? = nil, signer: BundleSigner? = nil
  ) {
    self.startedAt = startedAt
    self.signer = signer
    self.lab = lab
    self.runID = runID
    self.status = status
    self.statusReasons = statusReasons
    self.date = date
    self.targetKind = targetKind
    self.environment = environment
    self.exercises = exercises
    self.page = page
    self.integrity = integrity
    self.provenance = provenance
    self.provider = provider
    self.artifacts = artifacts
  }
}
