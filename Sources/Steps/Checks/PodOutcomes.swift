import LabPipeline

/// Combines per-pod outcomes: any FAIL decides, then any INCONCLUSIVE, else PASS.
struct PodOutcomes {
  var failures: [String] = []
  var gaps: [String] = []
  var excerpt: [String] = []
  var evidence: [EvidenceCitation] = []

  var verdict: Verdict {
    if !failures.isEmpty { return .fail }
    if !gaps.isEmpty { return .inconclusive }
    return .pass
  }

  /// The reason for a non-PASS verdict.
  var problem: String {
    (failures.isEmpty ? gaps : failures).joined(separator: "; ")
  }

  /// `check`'s result, with the excerpt and evidence gathered so far.
  func result(
    of check: some ExerciseCheck, _ verdict: Verdict, _ reason: String, facts: [String: String] = [:]
  )
    -> ExerciseResult
  {
    ExerciseResult(
      id: check.id, title: check.title, criteria: check.criteria, verdict: verdict, reason: reason,
      excerpt: excerpt, evidence: evidence, facts: facts)
  }

  mutating func cite(_ artifact: Artifact?) {
    guard let artifact, !evidence.contains(where: { $0.file == artifact.name }) else { return }
    evidence.append(EvidenceCitation(artifact))
  }
}
