import Foundation

/// One exercise's check: reads the bundle, returns a verdict with its evidence.
public protocol ExerciseCheck: Sendable {
  /// "1" … "5".
  var id: String { get }
  var title: String { get }
  /// The pass criteria, in the page's words.
  var criteria: String { get }
  /// Decides the exercise from the evidence alone. Never throws: missing or unparseable
  /// evidence is an INCONCLUSIVE result that says what is missing.
  func evaluate(_ bundle: EvidenceBundle) -> ExerciseResult
}
