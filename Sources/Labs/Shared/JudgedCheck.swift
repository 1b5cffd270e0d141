import LabPipeline

/// What a lab's checks read: its facts, gathered once from the bundle for all of them.
protocol CheckEvidence {
  init(_ bundle: EvidenceBundle)
}

/// An exercise check that reads its lab's evidence, noting citations, excerpt lines, failures
/// and gaps in a ``CheckOutcome``, and returns its ``Finding``. `evaluate` is the same for all
/// labs; ``HAMiCheck`` and ``HAMiCoreCheck`` fix the evidence each lab's checks read.
protocol JudgedCheck: ExerciseCheck {
  associatedtype Evidence: CheckEvidence
  /// The exercise's number, name and pass criteria, as the checklist shows them.
  static var heading: ExerciseHeading { get }

  /// Decides the exercise from `evidence`; `outcome` gathers what the page cites. Throwing
  /// ``Inconclusive`` ends the check as INCONCLUSIVE with its reason.
  func judge(_ evidence: Evidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding
}

extension JudgedCheck {
  var id: String { Self.heading.id }
  var title: String { Self.heading.title }
  var criteria: String { Self.heading.criteria }

  func evaluate(_ bundle: EvidenceBundle) -> ExerciseResult {
    evaluate(Evidence(bundle))
  }

  /// Decides the exercise from facts already read from the bundle.
  func evaluate(_ evidence: Evidence) -> ExerciseResult {
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

/// An exercise's number, name and pass criteria.
struct ExerciseHeading {
  var id: String
  var title: String
  var criteria: String

  init(_ id: String, _ title: String, criteria: String) {
    self.id = id
    self.title = title
    self.criteria = criteria
  }
}

/// Why an exercise cannot be decided: something it needs is missing.
struct Inconclusive: Error {
  var reason: String
}

/// A check's verdict, its reason in the page's words, and the values the page text may quote.
struct Finding {
  var verdict: Verdict
  var reason: String
  var facts: [String: String] = [:]

  init(_ verdict: Verdict, _ reason: String, facts: [String: String] = [:]) {
    self.verdict = verdict
    self.reason = reason
    self.facts = facts
  }
}

/// What a check gathered: per-pod failures and gaps (any FAIL decides, then any
/// INCONCLUSIVE), the excerpt lines and the artifacts cited.
struct CheckOutcome {
  var failures: [String] = []
  var gaps: [String] = []
  var excerpt: [String] = []
  var evidence: [EvidenceCitation] = []

  var verdict: Verdict {
    if !failures.isEmpty { return .fail }
    if !gaps.isEmpty { return .inconclusive }
    return .pass
  }

  /// The finding the failures or gaps decide, or nil while nothing is wrong.
  var decided: Finding? {
    if !failures.isEmpty { return Finding(.fail, failures.joined(separator: "; ")) }
    if !gaps.isEmpty { return Finding(.inconclusive, gaps.joined(separator: "; ")) }
    return nil
  }

  mutating func cite(_ artifact: Artifact?) {
    guard let artifact, !evidence.contains(where: { $0.file == artifact.name }) else { return }
    evidence.append(EvidenceCitation(artifact))
  }
}
