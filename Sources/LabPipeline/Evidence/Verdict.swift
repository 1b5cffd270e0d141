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
