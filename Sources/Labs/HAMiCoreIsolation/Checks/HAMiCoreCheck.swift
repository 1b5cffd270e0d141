import LabPipeline

/// A HAMi-core exercise check: like ``HAMiCheck``, over ``HAMiCoreEvidence``.
protocol HAMiCoreCheck: ExerciseCheck {
  static var heading: ExerciseHeading { get }

  /// Decides the exercise from `evidence`; `outcome` gathers what the page cites.
  func judge(_ evidence: HAMiCoreEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding
}

extension HAMiCoreCheck {
  var id: String { Self.heading.id }
  var title: String { Self.heading.title }
  var criteria: String { Self.heading.criteria }

  func evaluate(_ bundle: EvidenceBundle) -> ExerciseResult {
    evaluate(HAMiCoreEvidence(bundle))
  }

  func evaluate(_ evidence: HAMiCoreEvidence) -> ExerciseResult {
    var outcome = CheckOutcome()
    let finding: Finding
    do {
      finding = try judge(evidence, &outcome)
    } catch {
      finding = Finding(.inconclusive, error.reason)
    }
    return ExerciseResult(
      id: id, title: title, criteria: criteria, verdict: finding.verdict, reason: finding.reason,
      excerpt: outcome.excerpt, evidence: outcome.evidence, facts: finding.facts)
  }
}
