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

  mutating func cite(_ artifact: Artifact?) {
    guard let artifact, !evidence.contains(where: { $0.file == artifact.name }) else { return }
    evidence.append(EvidenceCitation(artifact))
  }
}
