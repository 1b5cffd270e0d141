import Foundation

/// The outcome of one exercise check.
public struct ExerciseResult: Sendable, Hashable, Encodable {
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
  /// Values the lab's page text may quote (sizes, counts), derived from the evidence.
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

  /// The JSON form carries everything but ``facts``, which are the page text's business.
  enum CodingKeys: String, CodingKey {
    case id, title, criteria, verdict, reason, excerpt, evidence
  }
}
