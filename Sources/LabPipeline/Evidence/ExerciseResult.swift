import Foundation

/// One exercise's verdict from the evidence alone.
public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
  /// The evidence shows the claim holds.
  case pass = "PASS"
  /// The evidence contradicts the claim.
  case fail = "FAIL"
  /// Evidence missing or unparseable: the claim is neither shown nor refuted.
  case inconclusive = "INCONCLUSIVE"
}

/// An artifact cited for a verdict, with its SHA-256.
public struct EvidenceCitation: Sendable, Hashable, Codable {
  public var file: String
  /// Full lowercase hex SHA-256 of the file.
  public var sha256: String

  public init(file: String, sha256: String) {
    self.file = file
    self.sha256 = sha256
  }

  public init(_ artifact: Artifact) {
    self.init(file: artifact.name, sha256: artifact.sha256)
  }

  /// The first 12 hex digits, as cited on the page.
  public var shortDigest: String { String(sha256.prefix(12)) }
}

/// The outcome of one exercise check.
public struct ExerciseResult: Sendable, Hashable {
  /// "1" … "5".
  public var id: String
  public var title: String
  /// The pass criteria, in the page's words.
  public var criteria: String
  public var verdict: Verdict
  /// One line saying why, for the checklist's Result column and `labrun verify`.
  public var reason: String
  /// The evidence lines that decided the verdict, verbatim.
  public var excerpt: [String]
  /// The artifacts the verdict rests on.
  public var evidence: [EvidenceCitation]
  /// Values the lab's page text may quote (e.g. `slice_mib`), derived from the evidence.
  public var facts: [String: String]

  public init(
    id: String, title: String, criteria: String, verdict: Verdict, reason: String, excerpt: [String] = [],
    evidence: [EvidenceCitation] = [], facts: [String: String] = [:]
  ) {
    self.id = id
    self.title = title
    self.criteria = criteria
    self.verdict = verdict
    self.reason = reason
    self.excerpt = excerpt
    self.evidence = evidence
    self.facts = facts
  }
}
