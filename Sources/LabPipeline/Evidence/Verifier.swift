import Foundation

/// Decides every exercise of a lab from a bundle, and the overall status.
///
/// Strict by construction: VALIDATED needs a real (ssh or local) target recorded in run.json,
/// a bundle verified against SHA256SUMS, no simulated artifact, and every check PASS.
public struct Verifier: Sendable {
  public let lab: any ValidationLab

  public init(lab: any ValidationLab) {
    self.lab = lab
  }

  public func verify(_ bundle: EvidenceBundle) -> ValidationReport {
    let results = lab.results(for: bundle)
    let environment = lab.environment(of: bundle)
    let (status, reasons) = Self.status(
      of: results, bundle: bundle, expectedCount: lab.expectedResultCount(for: bundle))
    return ValidationReport(
      lab: lab.name, runID: bundle.run.runID, status: status, statusReasons: reasons, date: bundle.date,
      targetKind: bundle.run.targetKindText, environment: environment, exercises: results,
      page: lab.page(results: results, environment: environment, bundle: bundle),
      integrity: bundle.integrity, provenance: bundle.provenance, provider: bundle.provider,
      artifacts: bundle.artifactNames.compactMap { bundle.artifact($0).map(EvidenceCitation.init) },
      startedAt: bundle.provenance == .recorded ? bundle.run.startedAt : nil, signer: bundle.signer)
  }

  /// Why a run on the simulated host is not validated (the page's status line says it once).
  public static let simulatedTargetReason = "run on the simulated GPU host, not captured on hardware"

  /// The overall status and, unless VALIDATED, the reasons it is not.
  public static func status(
    of results: [ExerciseResult], bundle: EvidenceBundle, expectedCount: Int
  ) -> (ValidationStatus, [String]) {
    var reasons: [String] = []
    let simulatedFiles = bundle.artifacts.values.filter(\.isSimulated).map(\.name).sorted()
    if bundle.run.target?.kind == .simulated
      || bundle.run.targetKindText == TargetInfo.Kind.simulated.rawValue
    {
      reasons.append(Self.simulatedTargetReason)
    }
    if !simulatedFiles.isEmpty {
      reasons.append(
        "\(simulatedFiles.count) artifact(s) carry the simulated marker (\(simulatedFiles.joined(separator: ", ")))"
      )
    }
    if !reasons.isEmpty { return (.simulated, reasons) }

    let failed = results.filter { $0.verdict == .fail }.map(\.id)
    if !failed.isEmpty {
      return (
        .failed, ["exercise \(failed.joined(separator: ", ")) failed: the evidence contradicts the claim"]
      )
    }
    let inconclusive = results.filter { $0.verdict == .inconclusive }.map(\.id)
    if !inconclusive.isEmpty {
      reasons.append(
        "exercise \(inconclusive.joined(separator: ", ")) inconclusive: evidence missing or unparseable")
    }
    // A PASS must rest on cited artifacts that are in this bundle, with their digests.
    let unsupported = results.filter { result in
      result.verdict == .pass
        && (result.evidence.isEmpty
          || result.evidence.contains { bundle.artifact($0.file)?.sha256 != $0.sha256 })
    }.map(\.id)
    if !unsupported.isEmpty {
      reasons.append(
        "exercise \(unsupported.joined(separator: ", ")) passed without citing artifacts of this bundle")
    }
    if results.count != expectedCount || expectedCount == 0 {
      reasons.append("expected \(expectedCount) exercise results, got \(results.count)")
    }
    switch bundle.provenance {
    case .imported:
      reasons.append("imported evidence: provenance not verified at capture time")
    case .recorded:
      if let schema = bundle.run.schema, !schema.hasPrefix("labrun.run/v1") {
        reasons.append("run.json schema \(schema) is not labrun.run/v1")
      }
      if bundle.run.target == nil {
        reasons.append("run.json does not record a known target (target.name and target.kind ssh|local)")
      }
    }
    switch bundle.integrity {
    case .verified:
      if case .recorded = bundle.provenance, bundle.runRecordIntegrity == .uncovered {
        reasons.append(
          "run.json is not covered by artifacts/SHA256SUMS or a verified signature: nothing proves its "
            + "target and parameters are the ones recorded")
      }
    case .checksumsMissing:
      reasons.append("artifacts/SHA256SUMS missing: nothing proves the artifacts are unchanged")
    case .notRecorded:
      if case .recorded = bundle.provenance { reasons.append("no artifact checksums recorded") }
    }
    if bundle.date == nil {
      reasons.append("run.json has no valid started_at: the run's date is unknown")
    }
    if !reasons.isEmpty { return (.incomplete, reasons) }
    return (.validated, [])
  }
}
